#include "sandbox/containers/spec.hpp"

#include <gtest/gtest.h>

namespace sbx::containers {
namespace {

ImageDefaults busybox() {
  ImageDefaults image;
  image.env = {"PATH=/bin", "LANG=C"};
  image.cmd = {"sh"};
  return image;
}

TEST(MakeArgv, CommandReplacesCmdAndKeepsEntrypoint) {
  ImageDefaults image{.entrypoint = {"/init", "--"}, .cmd = {"serve"}};
  EXPECT_EQ(*make_argv(image, std::nullopt, {}),
            (std::vector<std::string>{"/init", "--", "serve"}));
  EXPECT_EQ(*make_argv(image, std::nullopt, {"ls", "-l"}),
            (std::vector<std::string>{"/init", "--", "ls", "-l"}));
}

TEST(MakeArgv, EntrypointFlagDropsImageCmd) {
  ImageDefaults image{.entrypoint = {"/init"}, .cmd = {"serve"}};
  EXPECT_EQ(*make_argv(image, "/bin/echo", {}), (std::vector<std::string>{"/bin/echo"}));
  EXPECT_EQ(*make_argv(image, "/bin/echo", {"hi"}), (std::vector<std::string>{"/bin/echo", "hi"}));
  // An empty --entrypoint clears it: the command runs alone.
  EXPECT_EQ(*make_argv(image, "", {"ls"}), (std::vector<std::string>{"ls"}));
}

TEST(MakeArgv, NothingToRunIsAnError) {
  auto argv = make_argv(ImageDefaults{}, std::nullopt, {});
  ASSERT_FALSE(argv);
  EXPECT_NE(argv.error().message().find("no command"), std::string::npos);
  EXPECT_FALSE(make_argv(ImageDefaults{.entrypoint = {"/x"}}, "", {}));
}

TEST(MergeEnv, FlagsOverrideImageAndDefaultsApply) {
  auto env = *merge_env({"LANG=C", "A=1"}, {"A=2", "B=3"}, "box", true);
  EXPECT_EQ(env, (std::vector<std::string>{
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C",
                     "A=2", "HOSTNAME=box", "TERM=xterm", "B=3"}));
}

TEST(MergeEnv, ImagePathAndTermKept) {
  auto env = *merge_env({"PATH=/bin", "TERM=vt100"}, {}, "", true);
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "TERM=vt100"}));
}

TEST(MergeEnv, MalformedEntriesAreErrors) {
  EXPECT_FALSE(merge_env({}, {"=x"}, "", false));
  EXPECT_FALSE(merge_env({}, {"NOVALUE"}, "", false));
}

TEST(MakeContainerSpec, MergesImageAndFlags) {
  RunFlags flags;
  flags.command = {"echo", "hi"};
  flags.hostname = "h1";
  flags.workdir = "/srv";
  flags.user = "nobody";
  flags.env = {"LANG=en"};
  flags.volumes = {"/tmp:/data:ro"};
  flags.tmpfs = {"/run"};
  flags.cap_add = {"net_admin"};
  flags.cap_drop = {"CAP_CHOWN", "all"};
  flags.security_opts = {"no-new-privileges=false"};
  flags.ulimits = {"nofile=10:20"};
  flags.rm = true;
  auto spec = make_container_spec(busybox(), flags);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->argv, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(spec->env, (std::vector<std::string>{"PATH=/bin", "LANG=en", "HOSTNAME=h1"}));
  EXPECT_EQ(spec->cwd, "/srv");
  EXPECT_EQ(spec->user, "nobody");
  ASSERT_EQ(spec->mounts.size(), 2u);
  EXPECT_TRUE(spec->mounts[0].read_only);
  EXPECT_EQ(spec->mounts[1].type, MountType::kTmpfs);
  EXPECT_EQ(spec->security.cap_add, (std::vector<std::string>{"net_admin"}));
  EXPECT_EQ(spec->security.cap_drop, (std::vector<std::string>{"CAP_CHOWN", "all"}));
  EXPECT_FALSE(spec->security.no_new_privileges);
  EXPECT_EQ(spec->security.ulimits, (std::vector<std::string>{"nofile=10:20"}));
  EXPECT_TRUE(spec->remove);
  EXPECT_EQ(spec->network, NetworkMode::kSlirp4netns);  // the default
  EXPECT_TRUE(spec->init);
}

TEST(MakeContainerSpec, ImageDefaultsApplyWithoutFlags) {
  ImageDefaults image = busybox();
  image.working_dir = "/app";
  image.user = "1000:1000";
  auto spec = *make_container_spec(image, RunFlags{});
  EXPECT_EQ(spec.argv, (std::vector<std::string>{"sh"}));
  EXPECT_EQ(spec.cwd, "/app");
  EXPECT_EQ(spec.user, "1000:1000");
  EXPECT_EQ(spec.security.seccomp, "");  // the built-in profile
  EXPECT_TRUE(spec.security.no_new_privileges);
}

TEST(MakeContainerSpec, RejectsBadInput) {
  auto with = [](auto change) {
    RunFlags flags{};
    change(flags);
    return make_container_spec(busybox(), flags);
  };
  EXPECT_FALSE(with([](RunFlags& f) { f.workdir = "relative"; }));
  EXPECT_FALSE(with([](RunFlags& f) { f.network = "container:x"; }));  // not yet
  EXPECT_FALSE(with([](RunFlags& f) { f.network = "no/such net"; }));
  EXPECT_FALSE(with([](RunFlags& f) { f.userns = "auto"; }));
  EXPECT_FALSE(with([](RunFlags& f) { f.volumes = {"./data:/data"}; }));
  EXPECT_FALSE(with([](RunFlags& f) { f.volumes = {"/a:/x", "/b:/x"}; }));
  EXPECT_FALSE(with([](RunFlags& f) { f.security_opts = {"apparmor=docker-default"}; }));
  EXPECT_FALSE(with([](RunFlags& f) { f.hostname = std::string(65, 'a'); }));
}

// Security flags are checked by the security module while making the spec,
// before any rootfs is prepared; its errors name the flag.
TEST(MakeContainerSpec, BadSecurityFlagsFailEarlyAndNameTheFlag) {
  auto error_of = [](auto change) {
    RunFlags flags;
    change(flags);
    auto spec = make_container_spec(busybox(), flags);
    return spec ? std::string() : spec.error().message();
  };
  EXPECT_NE(error_of([](RunFlags& f) { f.ulimits = {"nofile=10:5"}; }).find("--ulimit"),
            std::string::npos);
  EXPECT_NE(error_of([](RunFlags& f) { f.security_opts = {"seccomp="}; }).find("--security-opt"),
            std::string::npos);
  EXPECT_NE(error_of([](RunFlags& f) { f.cap_add = {"CAP_NOPE"}; }).find("CAP_NOPE"),
            std::string::npos);
}

TEST(MakeContainerSpec, PrivilegedAndKeepId) {
  RunFlags flags;
  flags.privileged = true;
  flags.userns = "keep-id";
  flags.network = "host";
  auto spec = *make_container_spec(busybox(), flags);
  EXPECT_TRUE(spec.security.privileged);
  EXPECT_TRUE(spec.keep_id);
  EXPECT_EQ(spec.network, NetworkMode::kHost);
}

}  // namespace
}  // namespace sbx::containers
