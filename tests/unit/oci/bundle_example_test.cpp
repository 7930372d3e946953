// read_bundle_config on real files, the namespace names, and the example
// generator against what runc 1.1.5's `runc spec [--rootless]` printed.
#include <gtest/gtest.h>
#include <sched.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci {
namespace {

using nlohmann::json;

json runc_fixture(const char* name) {
  auto text = read_file(std::string(SBX_OCI_TEST_DATA) + "/" + name);
  EXPECT_TRUE(text);
  return json::parse(text ? *text : "null");
}

TEST(OciBundle, ReadsConfigJson) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  ASSERT_TRUE(write_file_atomic(dir->path() / "config.json", example_config_json(false, 0, 0)));
  auto config = read_bundle_config(dir->path());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->process.args, std::vector<std::string>{"sh"});
}

TEST(OciBundle, MissingConfigSaysWhichBundle) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  auto config = read_bundle_config(dir->path());
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().errno_value(), ENOENT);
  EXPECT_NE(
      config.error().message().find("config.json not found in bundle " + dir->path().string()),
      std::string::npos)
      << config.error().message();
}

TEST(OciBundle, MalformedConfigNamesTheFileAndPosition) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  ASSERT_TRUE(write_file_atomic(dir->path() / "config.json", "{\"ociVersion\": \"1.0.0\",,}"));
  auto config = read_bundle_config(dir->path());
  ASSERT_FALSE(config);
  const std::string& message = config.error().message();
  EXPECT_NE(message.find((dir->path() / "config.json").string()), std::string::npos) << message;
  EXPECT_NE(message.find("line 1, column 24"), std::string::npos) << message;
}

TEST(OciBundle, InvalidFieldNamesTheFileAndField) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  json config = json::parse(example_config_json(false, 0, 0));
  config["process"]["cwd"] = "relative";
  ASSERT_TRUE(write_file_atomic(dir->path() / "config.json", config.dump()));
  auto parsed = read_bundle_config(dir->path());
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message(), (dir->path() / "config.json").string() +
                                          ": process.cwd: \"relative\" is not an absolute path");
}

TEST(OciNamespaces, NamesAndFlagsRoundTrip) {
  for (const char* name : {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"}) {
    auto type = namespace_type(name);
    ASSERT_TRUE(type) << name;
    EXPECT_EQ(namespace_name(*type), name);
  }
  EXPECT_EQ(namespace_type("net"), std::nullopt);  // the spec says "network"
  EXPECT_EQ(namespace_type(""), std::nullopt);
  EXPECT_EQ(namespace_name(CLONE_NEWNS), "mount");
  EXPECT_EQ(namespace_name(CLONE_NEWTIME), "time");
  EXPECT_EQ(namespace_name(CLONE_VM), "");
}

// runc's example differs from ours in two values only: the version it was
// built against and the hostname.
json as_runc_would_print(const std::string& ours) {
  json config = json::parse(ours);
  config["ociVersion"] = "1.0.2-dev";
  config["hostname"] = "runc";
  return config;
}

TEST(OciExample, MatchesRuncSpec) {
  EXPECT_EQ(as_runc_would_print(example_config_json(false, 1000, 1000)),
            runc_fixture("runc_spec.json"));
}

TEST(OciExample, MatchesRuncSpecRootless) {
  // The fixture was made as root, so runc mapped uid and gid 0.
  EXPECT_EQ(as_runc_would_print(example_config_json(true, 0, 0)),
            runc_fixture("runc_spec_rootless.json"));
}

TEST(OciExample, KeepsRuncsFieldOrderAndTabs) {
  std::string text = example_config_json(false, 0, 0);
  EXPECT_EQ(text.rfind("{\n\t\"ociVersion\": ", 0), 0u) << text.substr(0, 40);
  EXPECT_LT(text.find("\"process\""), text.find("\"root\""));
  EXPECT_LT(text.find("\"mounts\""), text.find("\"linux\""));
  EXPECT_EQ(text.back(), '\n');
}

TEST(OciExample, ParsesBack) {
  auto config = parse_config(example_config_json(false, 1000, 1000));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->root.path, "rootfs");
  EXPECT_EQ(config->process.capabilities->bounding.size(), 3u);
  EXPECT_TRUE(config->linux.uid_mappings.empty());
  EXPECT_TRUE(config->warnings.empty());

  auto rootless = parse_config(example_config_json(true, 1000, 1001));
  ASSERT_TRUE(rootless) << rootless.error().message();
  EXPECT_EQ(rootless->linux.uid_mappings, (std::vector<userns::IdMapEntry>{{0, 1000, 1}}));
  EXPECT_EQ(rootless->linux.gid_mappings, (std::vector<userns::IdMapEntry>{{0, 1001, 1}}));
  for (const auto& ns : rootless->linux.namespaces) EXPECT_NE(ns.type, CLONE_NEWNET);
  EXPECT_TRUE(rootless->warnings.empty());
}

}  // namespace
}  // namespace sbx::oci
