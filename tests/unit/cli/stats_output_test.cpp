#include "stats_output.hpp"

#include <gtest/gtest.h>

namespace sbx::cli {
namespace {

containers::StatsSample stats_sample() {
  containers::StatsSample s;
  s.id = "0123456789abcdef0123";
  s.name = "web";
  s.cpu_percent = 12.5;
  s.stats.memory_current = 1024 * 1024;
  s.stats.memory_max = 4 * 1024 * 1024;
  s.stats.pids_current = 3;
  s.net = cgroup::IoBytes{1000, 2000};
  return s;
}

TEST(StatsOutput, TemplateTakesDockersFieldNames) {
  auto out = stats_output(
      {stats_sample()},
      "{{.Name}} {{.ID}} {{.CPUPerc}} {{.MemPerc}} {{.PIDs}} {{.BlockIO}} {{.Container}}");
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out, "web 0123456789ab 12.50% 25.00% 3 -- web\n");
  auto mem = stats_output({stats_sample()}, "{{.MemUsage}}|{{.NetIO}}");
  ASSERT_TRUE(mem) << mem.error().message();
  EXPECT_NE(mem->find(" / "), std::string::npos) << *mem;
  EXPECT_NE(mem->find("|1 kB / 2 kB"), std::string::npos) << *mem;
}

TEST(StatsOutput, TableTemplateHasDockersHeaders) {
  auto out = stats_output({stats_sample()}, "table {{.Name}}\t{{.CPUPerc}}\t{{.PIDs}}");
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->substr(0, out->find('\n')), "NAME      CPU %     PIDS");
  auto plain = stats_output({}, "table");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->starts_with("CONTAINER ID   NAME")) << *plain;
  EXPECT_NE(plain->find("MEM USAGE / LIMIT"), std::string::npos) << *plain;
}

TEST(StatsOutput, JsonIsOneObjectPerLine) {
  auto out = stats_output({stats_sample(), stats_sample()}, "json");
  ASSERT_TRUE(out);
  auto first = nlohmann::json::parse(out->substr(0, out->find('\n')));
  EXPECT_EQ(first["name"], "web");
  EXPECT_EQ(first["pids"], 3);
  EXPECT_EQ(std::count(out->begin(), out->end(), '\n'), 2);
}

TEST(StatsOutput, UnknownFormatIsAnError) {
  auto bad = stats_output({}, "yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("unknown --format \"yaml\""), std::string::npos);
  EXPECT_FALSE(stats_output({stats_sample()}, "{{.Nope"));
}

}  // namespace
}  // namespace sbx::cli
