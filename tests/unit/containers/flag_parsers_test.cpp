#include "sandbox/containers/flag_parsers.hpp"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>

namespace sbx::containers {
namespace {

TEST(ParseVolume, HostContainerAndOptions) {
  auto v = *parse_volume("/srv/data:/data:ro,z");
  EXPECT_EQ(v.type, MountType::kBind);
  EXPECT_EQ(v.source, "/srv/data");
  EXPECT_EQ(v.destination, "/data");
  EXPECT_TRUE(v.read_only);
  EXPECT_FALSE(parse_volume("/a:/b")->read_only);
  EXPECT_EQ(parse_volume("/a:/b:nosuid,noexec")->flags, MS_NOSUID | MS_NOEXEC);
}

TEST(ParseVolume, NamedAndAnonymousVolumes) {
  auto named = *parse_volume("data.1_x-y:/data:ro,nocopy");
  EXPECT_EQ(named.type, MountType::kVolume);
  EXPECT_EQ(named.source, "data.1_x-y");
  EXPECT_EQ(named.destination, "/data");
  EXPECT_TRUE(named.read_only);
  EXPECT_TRUE(named.no_copy);
  auto anonymous = *parse_volume("/cache");
  EXPECT_EQ(anonymous.type, MountType::kVolume);
  EXPECT_EQ(anonymous.source, "");
  EXPECT_EQ(anonymous.destination, "/cache");
  EXPECT_TRUE(parse_volume("/srv:/srv:U")->chown);
  EXPECT_EQ(parse_volume("/srv:/srv:U")->type, MountType::kBind);
  auto overlay = *parse_volume("data:/srv:O,U");
  EXPECT_TRUE(overlay.overlay);
  EXPECT_TRUE(overlay.chown);
  EXPECT_EQ(overlay.type, MountType::kVolume);
  EXPECT_FALSE(parse_volume("/srv:/srv")->overlay);
}

TEST(ParseVolume, MalformedInputIsAClearError) {
  for (const char* bad : {"relative", "/a:/b:ro:x", "./dir:/data", "-x:/data", ":/data",
                          "/a:relative", "/a:/", "/a:/x/../y", "/a:/b:bogus", "na me:/data"}) {
    auto v = parse_volume(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_NE(v.error().message().find(bad), std::string::npos) << v.error().message();
  }
  EXPECT_FALSE(parse_volume("./dir:/data").error().hint().empty());
}

TEST(VolumeName, DockersGrammar) {
  EXPECT_TRUE(valid_volume_name("a"));
  EXPECT_TRUE(valid_volume_name("A1_b.c-d"));
  EXPECT_FALSE(valid_volume_name(""));
  EXPECT_FALSE(valid_volume_name(".hidden"));
  EXPECT_FALSE(valid_volume_name("_x"));
  EXPECT_FALSE(valid_volume_name("a/b"));
  EXPECT_FALSE(valid_volume_name(std::string(256, 'a')));
}

TEST(ParseTmpfs, DefaultsAndOptions) {
  auto t = *parse_tmpfs("/run");
  EXPECT_EQ(t.type, MountType::kTmpfs);
  EXPECT_EQ(t.flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
  EXPECT_EQ(t.data, "");
  auto u = *parse_tmpfs("/run:exec,size=64m,mode=1777");
  EXPECT_EQ(u.flags, MS_NOSUID | MS_NODEV);
  EXPECT_EQ(u.data, "size=64m,mode=1777");
  EXPECT_FALSE(parse_tmpfs("run"));
  EXPECT_FALSE(parse_tmpfs("/run:colour=red"));
}

TEST(ParseMount, BindAndTmpfs) {
  auto b = *parse_mount("type=bind,source=/src,target=/dst,readonly");
  EXPECT_EQ(b.source, "/src");
  EXPECT_EQ(b.destination, "/dst");
  EXPECT_TRUE(b.read_only);
  auto b2 = *parse_mount("type=bind,src=/src,dst=/dst,ro=false");
  EXPECT_FALSE(b2.read_only);
  auto t = *parse_mount("type=tmpfs,destination=/cache,tmpfs-size=1m,tmpfs-mode=700");
  EXPECT_EQ(t.type, MountType::kTmpfs);
  EXPECT_EQ(t.data, "size=1m,mode=700");
}

TEST(ParseMount, Volumes) {
  auto v = *parse_mount("type=volume,source=data,target=/d,volume-nocopy,ro");
  EXPECT_EQ(v.type, MountType::kVolume);
  EXPECT_EQ(v.source, "data");
  EXPECT_TRUE(v.no_copy);
  EXPECT_TRUE(v.read_only);
  auto anonymous = *parse_mount("type=volume,dst=/d");
  EXPECT_EQ(anonymous.type, MountType::kVolume);
  EXPECT_EQ(anonymous.source, "");
}

TEST(ParseMount, MalformedInputIsAClearError) {
  for (const char* bad :
       {"source=/a,target=/b", "type=volume,source=/abs,target=/b",
        "type=volume,target=/b,tmpfs-size=1m", "type=bind,source=/a,target=/b,volume-nocopy",
        "type=nfs,target=/b", "type=bind,source=/a", "type=bind,target=/b",
        "type=bind,source=/a,target=/b,colour=red", "type=tmpfs,source=/a,target=/b",
        "type=bind,source=/a,target=/b,readonly=maybe",
        "type=bind,source=/a,target=/b,tmpfs-size=1m"}) {
    auto m = parse_mount(bad);
    ASSERT_FALSE(m) << bad;
    EXPECT_NE(m.error().message().find(bad), std::string::npos) << m.error().message();
  }
}

TEST(ExpandEnv, KeyAloneComesFromTheHostOrIsDropped) {
  auto lookup = [](const std::string& key) -> std::optional<std::string> {
    if (key == "HOME") return "/home/a";
    return std::nullopt;
  };
  auto env = *expand_env({"A=1", "HOME", "UNSET", "B="}, lookup);
  EXPECT_EQ(env, (std::vector<std::string>{"A=1", "HOME=/home/a", "B="}));
  EXPECT_FALSE(expand_env({"=1"}, lookup));
}

TEST(ParseEnvFile, LinesCommentsAndErrors) {
  auto env = *parse_env_file("# comment\n\nA=1\n  B=two words \nC\n");
  EXPECT_EQ(env, (std::vector<std::string>{"A=1", "B=two words ", "C"}));
  auto bad = parse_env_file("A=1\nBAD KEY=2\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_env_file("=x\n"));
}

}  // namespace
}  // namespace sbx::containers
