#include "sandbox/store/events.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "sandbox/base/files.hpp"

namespace sbx::store {
namespace {

TEST(EventLog, RecordsAndReadsOnFromAnOffset) {
  auto dir = TempDir::create().value();
  uint64_t offset = 0;
  EXPECT_TRUE(read_events(dir.path(), offset).value().empty());  // no log yet
  Event first{0, "container", "create", "abc", {{"name", "web"}}};
  ASSERT_TRUE(record_event(dir.path(), first));
  auto got = read_events(dir.path(), offset).value();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GT(got[0].time_nano, 0);  // filled in
  first.time_nano = got[0].time_nano;
  EXPECT_EQ(got[0], first);
  EXPECT_TRUE(read_events(dir.path(), offset).value().empty());  // nothing new
  ASSERT_TRUE(record_event(dir.path(), Event{42, "image", "tag", "sha256:1", {{"name", "a:b"}}}));
  got = read_events(dir.path(), offset).value();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].action, "tag");
  EXPECT_EQ(got[0].time_nano, 42);
}

TEST(EventLog, SkipsHostileAndTornLines) {
  auto dir = TempDir::create().value();
  std::string text =
      "not json\n"
      "{\"Type\":1}\n"
      "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"x\",\"Attributes\":"
      "{\"exitCode\":3}},\"timeNano\":1}\n" +  // a number where a string belongs
      event_to_json(Event{7, "container", "start", "id", {}}) +
      "\n" + "{\"Type\":\"cont";
  ASSERT_TRUE(write_file_atomic(events_path(dir.path()), text, 0600));
  uint64_t offset = 0;
  auto got = read_events(dir.path(), offset).value();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].action, "start");
  EXPECT_EQ(offset, text.rfind('\n') + 1);  // the partial last line waits for its end
}

TEST(EventLog, JsonHasDockersShape) {
  std::string line =
      event_to_json(Event{1700000000123456789, "container", "die", "abc", {{"exitCode", "0"}}});
  EXPECT_EQ(line,
            "{\"Action\":\"die\",\"Actor\":{\"Attributes\":{\"exitCode\":\"0\"},\"ID\":\"abc\"},"
            "\"Type\":\"container\",\"time\":1700000000,\"timeNano\":1700000000123456789}");
  EXPECT_EQ(event_from_json(line).value().time_nano, 1700000000123456789);
}

}  // namespace
}  // namespace sbx::store
