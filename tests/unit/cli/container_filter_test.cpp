#include "container_filter.hpp"

#include <gtest/gtest.h>

#include "container_output.hpp"

namespace sbx::cli {
namespace {

using containers::ContainerInfo;
using containers::ContainerStatus;

ContainerInfo make_container(std::string name, std::string id, ContainerStatus status,
                             std::string created, std::string image = "alpine",
                             int exit_code = -1) {
  ContainerInfo c;
  c.name = std::move(name);
  c.id = std::move(id);
  c.status = status;
  c.created_at = std::move(created);
  c.image = std::move(image);
  c.image_id = "sha256:feedbeef0123";
  if (exit_code >= 0) c.exit = containers::ExitRecord{exit_code, false, created};
  return c;
}

std::vector<ContainerInfo> sample_containers() {  // newest first, as listed
  return {
      make_container("web-2", "cc33", ContainerStatus::kRunning, "2026-01-03T00:00:00Z", "nginx"),
      make_container("db", "bb22", ContainerStatus::kExited, "2026-01-02T00:00:00Z", "postgres:16",
                     3),
      make_container("web-1", "aa11", ContainerStatus::kExited, "2026-01-01T00:00:00Z", "alpine",
                     0)};
}

std::vector<std::string> names(const std::vector<std::string>& filters) {
  auto filter = ContainerFilter::parse(filters);
  EXPECT_TRUE(filter) << filter.error().message();
  auto out = filter->apply(sample_containers());
  EXPECT_TRUE(out) << out.error().message();
  std::vector<std::string> result;
  for (const auto& c : *out) result.push_back(c.name);
  return result;
}

using Names = std::vector<std::string>;

TEST(ContainerFilter, DockerKeys) {
  EXPECT_EQ(names({}), (Names{"web-2", "db", "web-1"}));
  EXPECT_EQ(names({"name=web"}), (Names{"web-2", "web-1"}));
  EXPECT_EQ(names({"name=web-1", "name=db"}), (Names{"db", "web-1"}));  // same key: either
  EXPECT_EQ(names({"name=web", "status=exited"}), (Names{"web-1"}));    // keys: all
  EXPECT_EQ(names({"id=bb"}), (Names{"db"}));
  EXPECT_EQ(names({"status=running"}), (Names{"web-2"}));
  EXPECT_EQ(names({"exited=3"}), (Names{"db"}));
  EXPECT_EQ(names({"exited=0"}), (Names{"web-1"}));
  EXPECT_EQ(names({"ancestor=postgres:16"}), (Names{"db"}));
  EXPECT_EQ(names({"ancestor=nginx"}), (Names{"web-2"}));
  EXPECT_EQ(names({"ancestor=feedbeef"}), (Names{"web-2", "db", "web-1"}));  // an id prefix
  EXPECT_EQ(names({"before=db"}), (Names{"web-1"}));
  EXPECT_EQ(names({"since=web-1"}), (Names{"web-2", "db"}));
  EXPECT_EQ(names({"label=app"}), Names{});
}

TEST(ContainerFilter, StatusAndExitedShowStoppedOnes) {
  EXPECT_TRUE(ContainerFilter::parse({"status=exited"})->shows_stopped());
  EXPECT_TRUE(ContainerFilter::parse({"exited=1"})->shows_stopped());
  EXPECT_FALSE(ContainerFilter::parse({"name=x"})->shows_stopped());
}

TEST(ContainerFilter, BadFiltersAreNamed) {
  auto no_value = ContainerFilter::parse({"name"});
  ASSERT_FALSE(no_value);
  EXPECT_EQ(no_value.error().message(), "bad --filter \"name\": want KEY=VALUE");
  auto unknown = ContainerFilter::parse({"colour=red"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "invalid filter 'colour'");
  EXPECT_FALSE(ContainerFilter::parse({"exited=x"}));
  auto missing = ContainerFilter::parse({"before=nosuch"})->apply(sample_containers());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "no such container: nosuch");
}

// A paused container is "paused", not "running"; one waiting out its restart
// back-off is "restarting", not "exited" (docker's State).
TEST(ContainerFilter, PausedAndRestartingAreTheirOwnStatus) {
  auto all = sample_containers();
  all[0].paused = true;      // web-2, running
  all[1].restarting = true;  // db, exited (3)
  auto matching = [&](const std::string& status) {
    Names out;
    auto kept = ContainerFilter::parse({"status=" + status})->apply(all);
    EXPECT_TRUE(kept) << kept.error().message();
    for (const auto& c : *kept) out.push_back(c.name);
    return out;
  };
  EXPECT_EQ(matching("paused"), Names{"web-2"});
  EXPECT_EQ(matching("restarting"), Names{"db"});
  EXPECT_EQ(matching("running"), Names{});
  EXPECT_EQ(matching("exited"), Names{"web-1"});
  EXPECT_EQ(container_state(all[0]), "paused");
  EXPECT_EQ(container_state(all[1]), "restarting");
}

TEST(ContainerFilter, PsStatusTextForPausedAndRestarting) {
  auto all = sample_containers();
  all[0].paused = true;
  all[0].started_at = "2026-01-03T00:00:00Z";
  all[1].restarting = true;
  int64_t now = 1767398400 + 180;  // 2026-01-03T00:03:00Z
  EXPECT_EQ(container_status_text(all[0], now), "Up 3 minutes (Paused)");
  all[1].exit->finished_at = "2026-01-03T00:02:58Z";
  EXPECT_EQ(container_status_text(all[1], now), "Restarting (3) 2 seconds ago");
}

TEST(ContainerFilter, UnknownStatusIsAnError) {
  auto bad = ContainerFilter::parse({"status=sleeping"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid filter 'status=sleeping'");
  EXPECT_NE(bad.error().hint().find("paused"), std::string::npos);
  EXPECT_TRUE(ContainerFilter::parse({"status=dead"}));
}

}  // namespace
}  // namespace sbx::cli
