// `commit --change` parsing and the committed image's config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sandbox/images/formats.hpp"

namespace sbx::images {
namespace {

using nlohmann::json;

TEST(ConfigChange, ParsesDockerAndPodmanForms) {
  struct Case {
    const char* text;
    const char* instruction;
    const char* value;
  } cases[] = {
      {"CMD echo hi", "CMD", "echo hi"},
      {"CMD=echo hi", "CMD", "echo hi"},
      {R"(CMD ["/bin/sh", "-c", "x"])", "CMD", R"(["/bin/sh", "-c", "x"])"},
      {"  entrypoint   /x  ", "ENTRYPOINT", "/x"},
      {"ENV A=b c", "ENV", "A=b c"},
      {"WORKDIR /data", "WORKDIR", "/data"},
      {"USER 1000:1000", "USER", "1000:1000"},
      {"LABEL a=b", "LABEL", "a=b"},
      {"EXPOSE 80 443/udp", "EXPOSE", "80 443/udp"},
      {"STOPSIGNAL SIGINT", "STOPSIGNAL", "SIGINT"},
  };
  for (const Case& c : cases) {
    auto change = parse_config_change(c.text);
    ASSERT_TRUE(change) << c.text << ": " << change.error().message();
    EXPECT_EQ(change->instruction, c.instruction) << c.text;
    EXPECT_EQ(change->value, c.value) << c.text;
  }
}

TEST(ConfigChange, RefusesUnknownOrEmptyInstructions) {
  for (const char* bad : {"", "RUN echo", "FROM busybox", "CMD", "CMD   ", "CMDX echo", "1 2"}) {
    auto change = parse_config_change(bad);
    EXPECT_FALSE(change) << bad;
    if (!change) {
      EXPECT_NE(change.error().message().find("--change"), std::string::npos) << bad;
    }
  }
}

const char* kParent = R"({"architecture":"amd64","os":"linux","created":"2020-01-01T00:00:00Z",
  "config":{"Env":["PATH=/bin","A=1"],"Cmd":["sh"],"WorkingDir":"/"},
  "rootfs":{"type":"layers","diff_ids":["sha256:1111111111111111111111111111111111111111111111111111111111111111"]},
  "history":[{"created":"2020-01-01T00:00:00Z","created_by":"base"}]})";

image::Digest new_layer() { return *image::Digest::parse("sha256:" + std::string(64, '2')); }

json commit_with(const std::vector<std::string>& texts, const CommitInfo& info = {}) {
  std::vector<ConfigChange> changes;
  for (const std::string& text : texts) changes.push_back(*parse_config_change(text));
  auto config = committed_config_json(kParent, new_layer(), info, changes);
  EXPECT_TRUE(config) << config.error().message();
  return config ? json::parse(*config) : json::object();
}

TEST(CommittedConfig, AppendsTheLayerAndAHistoryEntry) {
  json doc = commit_with(
      {}, {"2024-05-06T07:08:09Z", "Ann <a@example.com>", "my change", "sandbox commit abc"});
  ASSERT_EQ(doc["rootfs"]["diff_ids"].size(), 2u);
  EXPECT_EQ(doc["rootfs"]["diff_ids"][1], new_layer().str());
  ASSERT_EQ(doc["history"].size(), 2u);
  EXPECT_EQ(doc["history"][1]["comment"], "my change");
  EXPECT_EQ(doc["history"][1]["author"], "Ann <a@example.com>");
  EXPECT_EQ(doc["history"][1]["created_by"], "sandbox commit abc");
  EXPECT_EQ(doc["created"], "2024-05-06T07:08:09Z");
  EXPECT_EQ(doc["author"], "Ann <a@example.com>");
  EXPECT_EQ(doc["config"]["Cmd"], json({"sh"})) << "unchanged without --change";
  EXPECT_EQ(doc["architecture"], "amd64");
}

TEST(CommittedConfig, CmdShellAndExecForms) {
  EXPECT_EQ(commit_with({"CMD echo hi"})["config"]["Cmd"], json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(commit_with({R"(CMD ["/bin/echo","x y"])"})["config"]["Cmd"],
            json({"/bin/echo", "x y"}));
  EXPECT_EQ(commit_with({R"(ENTRYPOINT ["/e"])"})["config"]["Entrypoint"], json({"/e"}));
}

TEST(CommittedConfig, EnvReplacesOrAppends) {
  json doc = commit_with({"ENV A=2", "ENV B=three words", "ENV C 4"});
  EXPECT_EQ(doc["config"]["Env"], json({"PATH=/bin", "A=2", "B=three words", "C=4"}));
}

TEST(CommittedConfig, OtherFields) {
  json doc = commit_with({"WORKDIR /data", "USER 1000", "LABEL org.x=\"y z\"", "EXPOSE 80 53/udp",
                          "VOLUME /vol", "STOPSIGNAL SIGINT"});
  EXPECT_EQ(doc["config"]["WorkingDir"], "/data");
  EXPECT_EQ(doc["config"]["User"], "1000");
  EXPECT_EQ(doc["config"]["Labels"]["org.x"], "y z");
  EXPECT_TRUE(doc["config"]["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(doc["config"]["ExposedPorts"].contains("53/udp"));
  EXPECT_TRUE(doc["config"]["Volumes"].contains("/vol"));
  EXPECT_EQ(doc["config"]["StopSignal"], "SIGINT");
}

TEST(CommittedConfig, BadValuesAreErrors) {
  auto bad_cmd =
      committed_config_json(kParent, new_layer(), {}, {*parse_config_change(R"(CMD ["unclosed")")});
  EXPECT_FALSE(bad_cmd);
  auto bad_env = committed_config_json(kParent, new_layer(), {}, {*parse_config_change("ENV =x")});
  EXPECT_FALSE(bad_env);
  EXPECT_FALSE(committed_config_json("not json", new_layer(), {}, {}));
}

// Found by fuzz_config: a value that is not UTF-8 threw out of commit.
TEST(CommittedConfig, NotUtf8IsAnError) {
  auto change = committed_config_json(kParent, new_layer(), {},
                                      {*parse_config_change("EXPOSE 8080 53\xe5udp")});
  ASSERT_FALSE(change);
  EXPECT_NE(change.error().message().find("UTF-8"), std::string::npos);
  CommitInfo info;
  info.author = "\xff";
  EXPECT_FALSE(committed_config_json(kParent, new_layer(), info, {}));
}

}  // namespace
}  // namespace sbx::images
