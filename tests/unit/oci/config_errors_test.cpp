// Every way parse_config refuses a config.json: each case changes one field of
// a valid config and expects an error that names the field's path.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "sandbox/oci/config.hpp"

namespace sbx::oci {
namespace {

using nlohmann::json;

json valid_config() {
  return json::parse(R"({
    "ociVersion": "1.1.0",
    "root": {"path": "rootfs"},
    "process": {
      "user": {"uid": 0, "gid": 0},
      "args": ["sh"],
      "env": ["PATH=/bin"],
      "cwd": "/",
      "capabilities": {"bounding": ["CAP_KILL"]},
      "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}]
    },
    "hostname": "h",
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
    "hooks": {"poststop": [{"path": "/bin/true"}]},
    "linux": {
      "namespaces": [{"type": "pid"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}],
      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
      "resources": {"memory": {"limit": 1048576}},
      "seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}
    }
  })");
}

struct BadCase {
  const char* name;
  std::function<void(json&)> change;
  const char* error;  // a part of the message
};

const BadCase kBadCases[] = {
    {"uid as string", [](json& c) { c["process"]["user"]["uid"] = "0"; },
     "process.user.uid: expected an unsigned integer"},
    {"negative uid", [](json& c) { c["process"]["user"]["uid"] = -1; },
     "process.user.uid: expected an unsigned integer"},
    {"uid above 32 bits", [](json& c) { c["process"]["user"]["uid"] = 4294967296; },
     "process.user.uid: 4294967296 is out of range"},
    {"fractional gid", [](json& c) { c["process"]["user"]["gid"] = 1.5; },
     "process.user.gid: expected an unsigned integer"},
    {"missing ociVersion", [](json& c) { c.erase("ociVersion"); },
     "ociVersion: required field missing"},
    {"numeric ociVersion", [](json& c) { c["ociVersion"] = 1; }, "ociVersion: expected a string"},
    {"missing root", [](json& c) { c.erase("root"); }, "root: required field missing"},
    {"root as string", [](json& c) { c["root"] = "rootfs"; }, "root: expected an object"},
    {"missing process", [](json& c) { c.erase("process"); }, "process: required field missing"},
    {"empty args", [](json& c) { c["process"]["args"] = json::array(); },
     "process.args: must name the program"},
    {"args as string", [](json& c) { c["process"]["args"] = "sh"; },
     "process.args: expected an array"},
    {"numeric arg", [](json& c) { c["process"]["args"].push_back(1); },
     "process.args[1]: expected a string"},
    {"relative cwd", [](json& c) { c["process"]["cwd"] = "tmp"; },
     "process.cwd: \"tmp\" is not an absolute path"},
    {"missing cwd", [](json& c) { c["process"].erase("cwd"); },
     "process.cwd: required field missing"},
    {"env without =", [](json& c) { c["process"]["env"].push_back("FOO"); },
     "process.env[1]: \"FOO\" is not KEY=VALUE"},
    {"env with empty name", [](json& c) { c["process"]["env"] = {"=x"}; }, "has an empty name"},
    {"terminal as string", [](json& c) { c["process"]["terminal"] = "yes"; },
     "process.terminal: expected true or false"},
    {"unknown capability", [](json& c) { c["process"]["capabilities"]["ambient"] = {"CAP_FOO"}; },
     "process.capabilities.ambient[0]: unknown capability \"CAP_FOO\""},
    {"unknown rlimit", [](json& c) { c["process"]["rlimits"][0]["type"] = "RLIMIT_FOO"; },
     "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"rlimit soft above hard", [](json& c) { c["process"]["rlimits"][0]["soft"] = 4096; },
     "process.rlimits[0]: RLIMIT_NOFILE: soft limit 4096 is above the hard limit 1024"},
    {"rlimit without hard", [](json& c) { c["process"]["rlimits"][0].erase("hard"); },
     "process.rlimits[0].hard: required field missing"},
    {"rlimit twice", [](json& c) { c["process"]["rlimits"].push_back(c["process"]["rlimits"][0]); },
     "process.rlimits[1]: a second limit of the same type"},
    {"oomScoreAdj out of range", [](json& c) { c["process"]["oomScoreAdj"] = 1001; },
     "process.oomScoreAdj: must be between -1000 and 1000"},
    {"console size without width",
     [](json& c) {
       c["process"]["consoleSize"] = {{"height", 24}};
     },
     "process.consoleSize.width: required field missing"},
    {"mount without destination", [](json& c) { c["mounts"][0].erase("destination"); },
     "mounts[0].destination: required field missing"},
    {"numeric mount option", [](json& c) { c["mounts"][0]["options"] = {1}; },
     "mounts[0].options[0]: expected a string"},
    {"mount as string", [](json& c) { c["mounts"][0] = "/proc"; }, "mounts[0]: expected an object"},
    {"hook without path", [](json& c) { c["hooks"]["poststop"][0].erase("path"); },
     "hooks.poststop[0].path: required field missing"},
    {"relative hook path",
     [](json& c) {
       c["hooks"]["prestart"] = {{{"path", "true"}}};
     },
     "hooks.prestart[0].path: \"true\" is not an absolute path"},
    {"hook timeout zero", [](json& c) { c["hooks"]["poststop"][0]["timeout"] = 0; },
     "hooks.poststop[0].timeout: must be greater than zero"},
    {"annotation not a string",
     [](json& c) {
       c["annotations"] = {{"a", 1}};
     },
     "annotations.a: expected a string"},
    {"unknown namespace", [](json& c) { c["linux"]["namespaces"][0]["type"] = "foo"; },
     "linux.namespaces[0].type: unknown namespace type \"foo\""},
    {"duplicate namespace",
     [](json& c) {
       c["linux"]["namespaces"].push_back({{"type", "pid"}});
     },
     "linux.namespaces[4]: namespace \"pid\" is listed twice"},
    {"relative namespace path",
     [](json& c) { c["linux"]["namespaces"][0]["path"] = "proc/1/ns/pid"; },
     "linux.namespaces[0].path: \"proc/1/ns/pid\" is not an absolute path"},
    {"hostname without uts", [](json& c) { c["linux"]["namespaces"].erase(1); },
     "hostname: needs a UTS namespace"},
    {"mappings without user namespace", [](json& c) { c["linux"]["namespaces"].erase(3); },
     "linux.uidMappings: id mappings need a user namespace"},
    {"empty id mapping", [](json& c) { c["linux"]["uidMappings"][0]["size"] = 0; },
     "linux.uidMappings[0].size: must be at least 1"},
    {"id mapping past 32 bits",
     [](json& c) { c["linux"]["uidMappings"][0]["hostID"] = 4294967295; },
     "linux.uidMappings[0].size: must be at least 1 and keep the range in 32 bits"},
    {"mapping without hostID", [](json& c) { c["linux"]["uidMappings"][0].erase("hostID"); },
     "linux.uidMappings[0].hostID: required field missing"},
    {"memory limit as string", [](json& c) { c["linux"]["resources"]["memory"]["limit"] = "1g"; },
     "linux.resources.memory.limit: expected an integer"},
    {"blkio weight above 16 bits",
     [](json& c) {
       c["linux"]["resources"]["blockIO"] = {{"weight", 70000}};
     },
     "linux.resources.blockIO.weight: 70000 is out of range"},
    {"pids without limit", [](json& c) { c["linux"]["resources"]["pids"] = json::object(); },
     "linux.resources.pids.limit: required field missing"},
    {"throttle without major",
     [](json& c) {
       c["linux"]["resources"]["blockIO"]["throttleReadBpsDevice"] = {{{"minor", 0}}};
     },
     "linux.resources.blockIO.throttleReadBpsDevice[0].major: required field missing"},
    {"kernel memory as bool", [](json& c) { c["linux"]["resources"]["memory"]["kernel"] = true; },
     "linux.resources.memory.kernel: expected an integer"},
    {"device rule without allow",
     [](json& c) {
       c["linux"]["resources"]["devices"] = {{{"access", "rwm"}}};
     },
     "linux.resources.devices[0].allow: required field missing"},
    {"bad seccomp action",
     [](json& c) { c["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_FOO"; },
     "linux.seccomp: syscalls[0].action: unknown action \"SCMP_ACT_FOO\""},
    {"seccomp without defaultAction", [](json& c) { c["linux"]["seccomp"].erase("defaultAction"); },
     "linux.seccomp.defaultAction: required field missing"},
    {"seccomp arg index",
     [](json& c) {
       c["linux"]["seccomp"]["syscalls"][0]["args"] = {{{"index", 6}, {"op", "SCMP_CMP_EQ"}}};
     },
     "linux.seccomp: syscalls[0].args[0].index: must be 0..5"},
    {"seccomp listener path as number", [](json& c) { c["linux"]["seccomp"]["listenerPath"] = 1; },
     "linux.seccomp.listenerPath: expected a string"},
    {"device type",
     [](json& c) {
       c["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "x"}}};
     },
     "linux.devices[0].type: \"x\" is not c, b, u or p"},
    {"char device without major",
     [](json& c) {
       c["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "c"}}};
     },
     "linux.devices[0].major: required field missing"},
    {"relative device path",
     [](json& c) {
       c["linux"]["devices"] = {{{"path", "dev/x"}, {"type", "p"}}};
     },
     "linux.devices[0].path: \"dev/x\" is not an absolute path"},
    {"sysctl value not a string",
     [](json& c) {
       c["linux"]["sysctl"] = {{"kernel.x", 1}};
     },
     "linux.sysctl.kernel.x: expected a string"},
    {"rootfs propagation", [](json& c) { c["linux"]["rootfsPropagation"] = "bogus"; },
     "linux.rootfsPropagation: unknown propagation \"bogus\""},
    {"relative masked path",
     [](json& c) {
       c["linux"]["maskedPaths"] = {"/proc/kcore", "sys"};
     },
     "linux.maskedPaths[1]: \"sys\" is not an absolute path"},
    {"personality domain",
     [](json& c) {
       c["linux"]["personality"] = {{"domain", "LINUX64"}};
     },
     "linux.personality.domain: \"LINUX64\" is not LINUX or LINUX32"},
    {"time offset clock",
     [](json& c) {
       c["linux"]["timeOffsets"] = {{"realtime", {{"secs", 1}}}};
     },
     "linux.timeOffsets.realtime: unknown clock"},
    {"time offset nanoseconds",
     [](json& c) {
       c["linux"]["timeOffsets"] = {{"boottime", {{"nanosecs", 1000000000}}}};
     },
     "linux.timeOffsets.boottime.nanosecs: must be below 1000000000"},
    {"linux as array", [](json& c) { c["linux"] = json::array(); }, "linux: expected an object"},
    {"config as array", [](json& c) { c = json::array(); }, "config: expected an object"},
};

class BadConfig : public testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, IsAnErrorNamingTheField) {
  json config = valid_config();
  ASSERT_TRUE(parse_config(config.dump())) << "the base config must be valid";
  GetParam().change(config);
  auto parsed = parse_config(config.dump());
  ASSERT_FALSE(parsed) << GetParam().name;
  EXPECT_NE(parsed.error().message().find(GetParam().error), std::string::npos)
      << GetParam().name << ": " << parsed.error().message();
  EXPECT_EQ(parsed.error().errno_value(), EINVAL);
}

INSTANTIATE_TEST_SUITE_P(OciConfig, BadConfig, testing::ValuesIn(kBadCases),
                         [](const testing::TestParamInfo<BadCase>& param) {
                           std::string name = param.param.name;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(OciConfig, MalformedJsonSaysWhere) {
  auto parsed = parse_config("{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": }");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message().find("not valid JSON"), std::string::npos);
  EXPECT_NE(parsed.error().message().find("line 3"), std::string::npos) << parsed.error().message();
}

TEST(OciConfig, EmptyTextIsAnError) { EXPECT_FALSE(parse_config("")); }

}  // namespace
}  // namespace sbx::oci
