#include "event_filter.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>

namespace sbx::cli {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kNow = 1800000000 * kSecond;

store::Event make_event(std::string type, std::string action, std::string id,
                        std::map<std::string, std::string> attributes) {
  return store::Event{1700000000 * kSecond + 5, std::move(type), std::move(action), std::move(id),
                      std::move(attributes)};
}

// Sets TZ for one test (these tests read and print local time, as docker).
class LocalZone {
 public:
  explicit LocalZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~LocalZone() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

TEST(EventTime, TakesDockersForms) {
  LocalZone utc("UTC0");
  EXPECT_EQ(parse_event_time("1700000000", kNow).value(), 1700000000 * kSecond);
  EXPECT_EQ(parse_event_time("1700000000.5", kNow).value(), 1700000000 * kSecond + 500000000);
  EXPECT_EQ(parse_event_time("1700000000.000000001", kNow).value(), 1700000000 * kSecond + 1);
  EXPECT_EQ(parse_event_time("10m", kNow).value(), kNow - 600 * kSecond);
  EXPECT_EQ(parse_event_time("1h30m", kNow).value(), kNow - 5400 * kSecond);
  EXPECT_EQ(parse_event_time("250ms", kNow).value(), kNow - 250000000);
  EXPECT_EQ(parse_event_time("2023-11-14T22:13:20Z", kNow).value(), 1700000000 * kSecond);
  EXPECT_EQ(parse_event_time("2023-11-14T22:13:20.25Z", kNow).value(),
            1700000000 * kSecond + 250000000);
  EXPECT_EQ(parse_event_time("1970-01-02", kNow).value(), 86400 * kSecond);
  EXPECT_EQ(parse_event_time("2023-11-14T22", kNow).value(), (1700000000 - 800) * kSecond);
  EXPECT_EQ(parse_event_time("2023-11-14T22:13", kNow).value(), (1700000000 - 20) * kSecond);
  EXPECT_EQ(parse_event_time("2023-11-14T23:13:20+01:00", kNow).value(), 1700000000 * kSecond);
  EXPECT_EQ(parse_event_time("2023-11-14T21:13:20.5-01:00", kNow).value(),
            1700000000 * kSecond + 500000000);
}

TEST(EventTime, WithoutAZoneIsLocalTime) {
  LocalZone cet("CET-1");  // UTC+1, no daylight saving
  EXPECT_EQ(parse_event_time("2023-11-14T23:13:20", kNow).value(), 1700000000 * kSecond);
  EXPECT_EQ(parse_event_time("2023-11-14T22:13:20Z", kNow).value(), 1700000000 * kSecond);
  EXPECT_EQ(parse_event_time("1970-01-02", kNow).value(), (86400 - 3600) * kSecond);
}

TEST(EventTime, RefusesWhatIsNoTime) {
  for (const char* bad : {"", "yesterday", "10x", "1.", "1.1234567890", "m", "-5", "2023-13-45",
                          "2023-11-14T25", "2023-11-14T22:13:20+0100", "2023-11-14T22:13:20.Z",
                          "2023-11-14 22:13:20", "2023-11-14T22:13:20UTC"}) {
    auto parsed = parse_event_time(bad, kNow);
    EXPECT_FALSE(parsed) << bad << " read as " << parsed.value_or(0);
    if (!parsed) {
      EXPECT_NE(parsed.error().message().find("invalid time"), std::string::npos);
    }
  }
}

TEST(EventFilter, KeysAreAndedAndValuesOred) {
  auto die =
      make_event("container", "die", "abcdef0123", {{"name", "web"}, {"image", "busybox:1"}});
  auto pull = make_event("image", "pull", "sha256:feed", {{"name", "docker.io/library/busybox:1"}});
  auto f = [](std::vector<std::string> filters) { return EventFilter::parse(filters).value(); };
  EXPECT_TRUE(f({}).matches(die));
  EXPECT_TRUE(f({"type=container"}).matches(die));
  EXPECT_FALSE(f({"type=container"}).matches(pull));
  EXPECT_TRUE(f({"event=start", "event=die"}).matches(die));
  EXPECT_TRUE(f({"action=die"}).matches(die));
  EXPECT_FALSE(f({"event=die", "type=image"}).matches(die));
  EXPECT_TRUE(f({"container=web"}).matches(die));
  EXPECT_TRUE(f({"container=abcd"}).matches(die));
  EXPECT_FALSE(f({"container=we"}).matches(die));  // names match whole
  EXPECT_FALSE(f({"container="}).matches(die));
  EXPECT_TRUE(f({"image=busybox"}).matches(die));
  EXPECT_TRUE(f({"image=busybox"}).matches(pull));
  EXPECT_TRUE(f({"image=feed"}).matches(pull));
  EXPECT_FALSE(f({"image=busy"}).matches(pull));
}

TEST(EventFilter, RefusesUnknownKeys) {
  for (const char* bad : {"colour=red", "type", "label=x"}) {
    auto parsed = EventFilter::parse({bad});
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message().find(bad), std::string::npos);
  }
}

TEST(EventText, AsDockerPrintsIt) {
  LocalZone utc("UTC0");
  auto die = make_event("container", "die", "abc", {{"name", "web"}, {"exitCode", "3"}});
  EXPECT_EQ(event_text(die),
            "2023-11-14T22:13:20.000000005Z container die abc (exitCode=3, name=web)");
  EXPECT_EQ(event_text(make_event("image", "delete", "sha256:1", {})),
            "2023-11-14T22:13:20.000000005Z image delete sha256:1");
  auto doc = event_document(die);
  EXPECT_EQ(doc["status"], "die");
  EXPECT_EQ(doc["Actor"]["Attributes"]["exitCode"], "3");
  EXPECT_EQ(doc["time"], 1700000000);
}

TEST(EventText, InLocalTimeWithItsOffset) {
  LocalZone cet("CET-1");
  EXPECT_EQ(event_text(make_event("image", "delete", "sha256:1", {})),
            "2023-11-14T23:13:20.000000005+01:00 image delete sha256:1");
  LocalZone west("XYZ3:30");  // UTC-3:30
  EXPECT_EQ(event_text(make_event("image", "delete", "sha256:1", {})),
            "2023-11-14T18:43:20.000000005-03:30 image delete sha256:1");
}

}  // namespace
}  // namespace sbx::cli
