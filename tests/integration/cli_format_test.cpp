// --format as docker takes it (Go templates on ps, images, inspect) and
// inspect's docker shape, on detached containers of the payload image.
#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

class CliFormatTest : public LifecycleTest {};

TEST_F(CliFormatTest, InspectTakesGoTemplates) {
  run_detached({"--name", "fmt-web", "-v", "/tmp:/mnt/host:ro"}, {"sleep", "60"});
  auto status =
      sandbox({"inspect", "-f", "{{.State.Status}} {{.Name}} {{.State.Running}}", "fmt-web"});
  ASSERT_EQ(status.exit_code, 0) << status.describe();
  EXPECT_EQ(status.out, "running /fmt-web true\n");

  auto cmd = sandbox({"inspect", "--format", "{{json .Config.Cmd}}", "fmt-web"});
  ASSERT_EQ(cmd.exit_code, 0) << cmd.describe();
  auto parsed = nlohmann::json::parse(cmd.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array() && !parsed.empty()) << cmd.out;
  EXPECT_EQ(parsed.back(), "60");

  auto mounts = sandbox({"inspect", "-f",
                         "{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}}{{end}}",
                         "fmt-web"});
  EXPECT_EQ(mounts.out, "bind /tmp /mnt/host false\n") << mounts.describe();

  auto host = sandbox(
      {"inspect", "-f", "{{.HostConfig.NetworkMode}} {{json .HostConfig.Binds}}", "fmt-web"});
  EXPECT_EQ(host.out, "none [\"/tmp:/mnt/host:ro\"]\n") << host.describe();

  auto bad = sandbox({"inspect", "-f", "{{nosuch .Name}}", "fmt-web"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("function \"nosuch\" not defined"), std::string::npos) << bad.describe();
  auto missing = sandbox({"inspect", "-f", "{{.Nope}}", "fmt-web"});
  EXPECT_EQ(missing.exit_code, 125) << missing.describe();
  EXPECT_NE(missing.err.find("map has no entry for key \"Nope\""), std::string::npos)
      << missing.describe();
}

TEST_F(CliFormatTest, PsTakesGoTemplatesAndTables) {
  std::string id = run_detached({"--name", "fmt-ps"}, {"sleep", "60"});
  auto names = sandbox({"ps", "--format", "{{.Names}} {{.State}} {{.ID}}"});
  ASSERT_EQ(names.exit_code, 0) << names.describe();
  EXPECT_EQ(names.out, "fmt-ps running " + id.substr(0, 12) + "\n");
  auto full = sandbox({"ps", "--no-trunc", "--format", "{{.ID}}"});
  EXPECT_EQ(full.out, id + "\n") << full.describe();

  auto table = sandbox({"ps", "--format", "table {{.Names}}\\t{{.State}}"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_EQ(table.out, "NAMES     STATE\nfmt-ps    running\n");

  auto bad = sandbox({"ps", "--format", "yaml"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("unknown --format \"yaml\""), std::string::npos) << bad.describe();
}

TEST_F(CliFormatTest, PsLastAndLatestShowStoppedOnesNewestFirst) {
  run_detached({"--name", "fmt-first"}, {"true"});
  ASSERT_EQ(sandbox({"wait", "fmt-first"}).exit_code, 0);
  run_detached({"--name", "fmt-second"}, {"sleep", "60"});
  EXPECT_EQ(sandbox({"ps", "-l", "--format", "{{.Names}}"}).out, "fmt-second\n");
  EXPECT_EQ(sandbox({"ps", "-n", "2", "--format", "{{.Names}}"}).out, "fmt-second\nfmt-first\n");
  EXPECT_EQ(sandbox({"ps", "--format", "{{.Names}}"}).out, "fmt-second\n");
}

TEST_F(CliFormatTest, PsFiltersAsDocker) {
  run_detached({"--name", "flt-done"}, {"sh", "-c", "exit 3"});
  ASSERT_EQ(sandbox({"wait", "flt-done"}).exit_code, 0);
  run_detached({"--name", "flt-up"}, {"sleep", "60"});
  auto names = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "ps");
    args.insert(args.end(), {"--format", "{{.Names}}"});
    return sandbox(args).out;
  };
  EXPECT_EQ(names({"--filter", "name=flt"}), "flt-up\n");  // running ones only without -a
  EXPECT_EQ(names({"-a", "--filter", "name=flt"}), "flt-up\nflt-done\n");
  EXPECT_EQ(names({"--filter", "status=exited"}), "flt-done\n");
  EXPECT_EQ(names({"-f", "exited=3"}), "flt-done\n");
  EXPECT_EQ(names({"-a", "--filter", "since=flt-done"}), "flt-up\n");
  EXPECT_EQ(names({"-a", "--filter", "name=nothing-like-it"}), "");
  auto bad = sandbox({"ps", "--filter", "colour=red"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("invalid filter 'colour'"), std::string::npos) << bad.describe();
}

// ps -s: the writable layer's bytes, and those plus the image's (virtual).
TEST_F(CliFormatTest, PsSizeShowsTheWritableLayer) {
  run_detached({"--name", "fmt-size"}, {"sh", "-c", "dd if=/dev/zero of=/big bs=1000 count=7"});
  ASSERT_EQ(sandbox({"wait", "fmt-size"}).exit_code, 0);
  auto size = sandbox({"ps", "-a", "-s", "--format", "{{.Names}} {{.Size}}"});
  ASSERT_EQ(size.exit_code, 0) << size.describe();
  EXPECT_TRUE(size.out.starts_with("fmt-size 7")) << size.out;  // 7 kB and a few bytes
  EXPECT_NE(size.out.find(" kB (virtual "), std::string::npos) << size.out;
  EXPECT_NE(size.out.find(" MB)"), std::string::npos) << size.out;  // with busybox
  auto table = sandbox({"ps", "-a", "--size"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_NE(table.out.find("SIZE"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" kB (virtual"), std::string::npos) << table.out;
  auto json = sandbox({"ps", "-a", "-s", "--format", "json"});
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array() && parsed.size() == 1) << json.out;
  EXPECT_TRUE(parsed[0]["Size"].get<std::string>().starts_with("7")) << json.out;
  auto plain = sandbox({"ps", "-a"});
  EXPECT_EQ(plain.out.find("SIZE"), std::string::npos) << plain.out;
  auto bad = sandbox({"ps", "--filter", "status=sleeping"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("invalid filter 'status=sleeping'"), std::string::npos) << bad.describe();
}

TEST_F(CliFormatTest, VolumeLsTakesGoTemplates) {
  ASSERT_EQ(sandbox({"volume", "create", "--label", "team=web", "fmt-vol"}).exit_code, 0);
  auto rows = sandbox({"volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}}"});
  ASSERT_EQ(rows.exit_code, 0) << rows.describe();
  EXPECT_EQ(rows.out, "fmt-vol local local team=web\n");
  auto table = sandbox({"volume", "ls", "--format", "table {{.Name}}\\t{{.Driver}}"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_EQ(table.out, "VOLUME NAME   DRIVER\nfmt-vol       local\n");
  auto mount = sandbox({"volume", "ls", "--format", "{{.Mountpoint}}"});
  EXPECT_TRUE(mount.out.ends_with("/fmt-vol/_data\n")) << mount.describe();
  auto bad = sandbox({"volume", "ls", "--format", "yaml"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("unknown --format \"yaml\""), std::string::npos) << bad.describe();
  auto broken = sandbox({"volume", "ls", "--format", "{{.Nope}}"});
  EXPECT_EQ(broken.exit_code, 125) << broken.describe();
}

TEST_F(CliFormatTest, StatsTakesGoTemplates) {
  auto empty = sandbox({"stats", "--no-stream", "--format", "table {{.Name}}\\t{{.CPUPerc}}"});
  ASSERT_EQ(empty.exit_code, 0) << empty.describe();
  EXPECT_EQ(empty.out, "NAME      CPU %\n");
  auto bad = sandbox({"stats", "--no-stream", "--format", "yaml"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("unknown --format \"yaml\""), std::string::npos) << bad.describe();
}

TEST_F(CliFormatTest, ImagesTakeGoTemplates) {
  run_detached({"--name", "fmt-img"}, {"true"});  // the payload image is in the store now
  auto rows = sandbox({"images", "--format", "{{.Repository}}:{{.Tag}} {{len .ID}}"});
  ASSERT_EQ(rows.exit_code, 0) << rows.describe();
  EXPECT_NE(rows.out.find(" 12\n"), std::string::npos) << rows.out;
  auto table = sandbox({"images", "--format", "table {{.ID}}\\t{{.Size}}"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_TRUE(table.out.starts_with("IMAGE ID       SIZE\n")) << table.out;
}

// The default network is slirp4netns, and inspect says so (it said "none").
TEST_F(CliFormatTest, InspectNamesTheSlirpNetwork) {
  SBX_REQUIRES(have_program("slirp4netns"), "slirp4netns (apt-get install slirp4netns)");
  auto r = sandbox({"run", "-d", "--name", "fmt-net", payload(), "sleep", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto mode = sandbox(
      {"inspect", "-f", "{{.HostConfig.NetworkMode}} {{.NetworkSettings.IPAddress}}", "fmt-net"});
  EXPECT_EQ(mode.out, "slirp4netns 10.0.2.100\n") << mode.describe();
}

class CliFormatPlainTest : public SandboxTest {};

TEST_F(CliFormatPlainTest, VersionAndInfoTakeJsonAndTemplates) {
  auto json = sandbox({"version", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << json.out;
  std::string version = parsed["Client"]["Version"].get<std::string>();
  EXPECT_FALSE(version.empty());
  auto templ = sandbox({"version", "-f", "{{.Client.Version}} {{.Client.Os}}"});
  EXPECT_EQ(templ.out, version + " linux\n") << templ.describe();
  auto plain = sandbox({"version"});
  EXPECT_TRUE(plain.out.starts_with("sandbox " + version + "\n")) << plain.describe();

  auto info = sandbox({"info", "--format", "{{.version}} {{len .checks | printf \"%d\"}}"});
  EXPECT_TRUE(info.exit_code == 0 || info.exit_code == 1) << info.describe();
  EXPECT_TRUE(info.out.starts_with(version + " ")) << info.describe();
  auto bad = sandbox({"info", "--format", "yaml"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
}

}  // namespace
}  // namespace sbx::it
