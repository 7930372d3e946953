#include "sandbox/image/registries_conf.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "sandbox/base/files.hpp"

namespace sbx::image {
namespace {

RegistriesConf parse(std::string_view text) {
  auto conf = parse_registries_conf(text, "/etc/containers/registries.conf");
  EXPECT_TRUE(conf) << conf.error().message();
  return conf ? *conf : RegistriesConf{};
}

std::string error_of(std::string_view text) {
  auto conf = parse_registries_conf(text, "test.conf");
  EXPECT_FALSE(conf) << text;
  return conf ? "" : conf.error().message();
}

std::vector<std::string> names(const std::vector<Reference>& references) {
  std::vector<std::string> out;
  for (const auto& r : references) out.push_back(r.canonical());
  return out;
}

TEST(RegistriesConfTest, ParsesTheV2Format) {
  RegistriesConf conf = parse(R"(
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]
short-name-mode = "permissive"

[aliases]
"mybox" = "quay.io/me/busybox"

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true

[[registry.mirror]]
location = "mirror-1.example.com/bar"
[[registry.mirror]]
location = "mirror-2.example.com/bar"
insecure = true

[[registry]]
location = "blocked.example.com"
blocked = true
)");
  EXPECT_EQ(conf.search, (std::vector<std::string>{"registry.fedoraproject.org", "docker.io"}));
  EXPECT_TRUE(conf.search_given);
  EXPECT_EQ(conf.short_name_mode, ShortNameMode::kPermissive);
  EXPECT_EQ(conf.aliases.at("mybox"), "quay.io/me/busybox");
  ASSERT_EQ(conf.registries.size(), 2u);
  EXPECT_EQ(conf.registries[0].prefix, "example.com/foo");
  EXPECT_EQ(conf.registries[0].location, "internal.example.com/bar");
  EXPECT_TRUE(conf.registries[0].insecure);
  ASSERT_EQ(conf.registries[0].mirrors.size(), 2u);
  EXPECT_FALSE(conf.registries[0].mirrors[0].insecure);
  EXPECT_TRUE(conf.registries[0].mirrors[1].insecure);
  EXPECT_EQ(conf.registries[1].prefix, "blocked.example.com");
  EXPECT_TRUE(conf.registries[1].blocked);
}

TEST(RegistriesConfTest, ParsesTheV1Format) {
  RegistriesConf conf = parse(R"(
[registries.search]
registries = ["quay.io"]
[registries.insecure]
registries = ["old.example.com"]
[registries.block]
registries = ["bad.example.com"]
)");
  EXPECT_EQ(conf.search, std::vector<std::string>{"quay.io"});
  ASSERT_EQ(conf.registries.size(), 2u);
  for (const auto& entry : conf.registries) {
    EXPECT_EQ(entry.insecure, entry.prefix == "old.example.com");
    EXPECT_EQ(entry.blocked, entry.prefix == "bad.example.com");
  }
}

TEST(RegistriesConfTest, ACommentedOutFileIsEmpty) {
  RegistriesConf conf = parse("# unqualified-search-registries = [\"example.com\"]\n");
  EXPECT_FALSE(conf.search_given);
  EXPECT_TRUE(conf.registries.empty());
}

TEST(RegistriesConfTest, BadFilesNameTheFileAndLine) {
  std::string syntax = error_of("unqualified-search-registries = [\"a\"\n");
  EXPECT_NE(syntax.find("test.conf is not valid TOML"), std::string::npos) << syntax;
  EXPECT_EQ(syntax.find('\n'), std::string::npos) << syntax;
  std::string type = error_of("\n\nunqualified-search-registries = \"docker.io\"\n");
  EXPECT_NE(type.find("test.conf:3: 'unqualified-search-registries' must be a list"),
            std::string::npos)
      << type;
  std::string mode = error_of("short-name-mode = \"sometimes\"\n");
  EXPECT_NE(mode.find("not enforcing, permissive or disabled"), std::string::npos) << mode;
  std::string empty = error_of("[[registry]]\ninsecure = true\n");
  EXPECT_NE(empty.find("needs a prefix or a location"), std::string::npos) << empty;
  std::string mirror = error_of("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\n");
  EXPECT_NE(mirror.find("needs a location"), std::string::npos) << mirror;
}

// A fuzz finding: toml11 3.7 read past the end of its buffer on a literal string holding a
// byte that is not UTF-8. Such a file is refused before toml11 sees it.
TEST(RegistriesConfTest, AFileThatIsNotUtf8IsRefusedBeforeParsing) {
  std::string hostile = "[registries.search]\nregistries = ['quay.\xe9o\"-run";
  hostile += " ['quay.\xe9o\" [\"bad.exam\xff\xff\xff!com\"]\n";
  std::string error = error_of(hostile);
  EXPECT_NE(error.find("test.conf is not valid TOML: not UTF-8 at byte 40"), std::string::npos)
      << error;
}

TEST(RegistriesConfTest, LaterFilesReplaceWhatTheyGive) {
  RegistriesConf conf = parse(R"(
unqualified-search-registries = ["a.io"]
[aliases]
"x" = "a.io/x"
"y" = "a.io/y"
[[registry]]
location = "a.io"
)");
  merge_registries_conf(conf, parse(R"(
short-name-mode = "disabled"
[aliases]
"y" = "b.io/y"
[[registry]]
location = "a.io"
blocked = true
)"));
  EXPECT_EQ(conf.search, std::vector<std::string>{"a.io"});  // not given later: kept
  EXPECT_EQ(conf.short_name_mode, ShortNameMode::kDisabled);
  EXPECT_EQ(conf.aliases.at("x"), "a.io/x");
  EXPECT_EQ(conf.aliases.at("y"), "b.io/y");
  ASSERT_EQ(conf.registries.size(), 1u);
  EXPECT_TRUE(conf.registries[0].blocked);
  EXPECT_EQ(conf.files.size(), 2u);
}

TEST(RegistriesConfTest, TheLongestPrefixWins) {
  RegistriesConf conf = parse(R"(
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/team"
location = "mirror.internal/team"
[[registry]]
prefix = "*.corp.example"
insecure = true
)");
  auto find = [&](std::string_view text) -> std::string {
    auto reference = parse_reference(text);
    EXPECT_TRUE(reference) << text;
    const RegistryEntry* entry = find_registry(conf, *reference);
    return entry ? entry->prefix : "";
  };
  EXPECT_EQ(find("example.com/other/app"), "example.com");
  EXPECT_EQ(find("example.com/team/app:1"), "example.com/team");
  EXPECT_EQ(find("example.com/teamwork/app"), "example.com");  // not a path prefix
  EXPECT_EQ(find("registry.corp.example:5000/app"), "*.corp.example");
  EXPECT_EQ(find("docker.io/library/busybox"), "");
}

TEST(RegistriesConfTest, MirrorsThenTheRewrittenLocation) {
  RegistriesConf conf = parse(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
[[registry.mirror]]
location = "mirror.example.com/cache"
insecure = true
)");
  auto reference = parse_reference("example.com/foo/app:2");
  ASSERT_TRUE(reference);
  auto sources = pull_sources(conf, *reference);
  ASSERT_TRUE(sources) << sources.error().message();
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ((*sources)[0].reference.canonical(), "mirror.example.com/cache/app:2");
  EXPECT_TRUE((*sources)[0].insecure);
  EXPECT_TRUE((*sources)[0].mirror);
  EXPECT_EQ((*sources)[1].reference.canonical(), "internal.example.com/bar/app:2");
  EXPECT_FALSE((*sources)[1].insecure);
  auto other = parse_reference("quay.io/x/y@sha256:" + std::string(64, 'a'));
  ASSERT_TRUE(other);
  auto direct = pull_sources(conf, *other);
  ASSERT_TRUE(direct && direct->size() == 1u);
  EXPECT_EQ((*direct)[0].reference, *other);
}

TEST(RegistriesConfTest, ABlockedRegistryIsRefusedWithTheFile) {
  RegistriesConf conf = parse("[[registry]]\nlocation = \"docker.io\"\nblocked = true\n");
  auto reference = parse_reference("busybox");
  ASSERT_TRUE(reference);
  auto sources = pull_sources(conf, *reference);
  ASSERT_FALSE(sources);
  EXPECT_NE(sources.error().message().find("registry docker.io is blocked "
                                           "(/etc/containers/registries.conf)"),
            std::string::npos)
      << sources.error().message();
}

// A push goes to the name given (no mirror, no location), as containers/image
// pushes; the entry's insecure and blocked still apply, by the longest prefix.
TEST(RegistriesConfTest, APushUsesTheEntrysInsecureAndBlockedOnly) {
  RegistriesConf conf = parse(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true
[[registry.mirror]]
location = "mirror.example.com/cache"
[[registry]]
location = "example.com/foo/secret"
blocked = true
)");
  auto pushed = [&](const std::string& text) {
    auto reference = parse_reference(text);
    EXPECT_TRUE(reference) << text;
    return push_target(conf, *reference);
  };
  auto insecure = pushed("example.com/foo/app:2");
  ASSERT_TRUE(insecure) << insecure.error().message();
  EXPECT_TRUE(insecure->insecure);
  auto plain = pushed("example.com/other:1");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_FALSE(plain->insecure);
  auto blocked = pushed("example.com/foo/secret/app:1");
  ASSERT_FALSE(blocked);
  EXPECT_NE(blocked.error().message().find("registry example.com/foo/secret is blocked "
                                           "(/etc/containers/registries.conf)"),
            std::string::npos)
      << blocked.error().message();
  EXPECT_NE(blocked.error().hint().find("push to another registry"), std::string::npos);
}

TEST(RegistriesConfTest, ShortNames) {
  EXPECT_TRUE(is_short_name("busybox"));
  EXPECT_TRUE(is_short_name("busybox:1.36"));
  EXPECT_TRUE(is_short_name("user/app"));
  EXPECT_FALSE(is_short_name("docker.io/library/busybox"));
  EXPECT_FALSE(is_short_name("localhost/app"));
  EXPECT_FALSE(is_short_name("127.0.0.1:5000/app"));
}

TEST(RegistriesConfTest, WithoutSearchRegistriesAShortNameIsDockerHub) {
  auto found = short_name_candidates(RegistriesConf{}, "busybox:1.36");
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(names(found->references), std::vector<std::string>{"docker.io/library/busybox:1.36"});
  EXPECT_TRUE(found->short_name);
}

TEST(RegistriesConfTest, SearchRegistriesGiveOneCandidateEach) {
  RegistriesConf conf = parse("unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n");
  auto found = short_name_candidates(conf, "app@sha256:" + std::string(64, 'b'));
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(names(found->references),
            (std::vector<std::string>{"quay.io/app@sha256:" + std::string(64, 'b'),
                                      "docker.io/library/app@sha256:" + std::string(64, 'b')}));
  auto qualified = short_name_candidates(conf, "ghcr.io/x/y:1");
  ASSERT_TRUE(qualified);
  EXPECT_EQ(names(qualified->references), std::vector<std::string>{"ghcr.io/x/y:1"});
  EXPECT_FALSE(qualified->short_name);
}

TEST(RegistriesConfTest, AnAliasDecidesAndKeepsTheTag) {
  RegistriesConf conf = parse(R"(
unqualified-search-registries = ["quay.io", "docker.io"]
[aliases]
"mybox" = "127.0.0.1:5000/test/busybox"
"pinned" = "example.com/p:7"
)");
  auto tagged = short_name_candidates(conf, "mybox:1");
  ASSERT_TRUE(tagged) << tagged.error().message();
  EXPECT_EQ(names(tagged->references), std::vector<std::string>{"127.0.0.1:5000/test/busybox:1"});
  EXPECT_TRUE(tagged->from_alias);
  auto plain = short_name_candidates(conf, "mybox");
  ASSERT_TRUE(plain);
  EXPECT_EQ(names(plain->references),
            std::vector<std::string>{"127.0.0.1:5000/test/busybox:latest"});
  auto pinned = short_name_candidates(conf, "pinned");
  ASSERT_TRUE(pinned);
  EXPECT_EQ(names(pinned->references), std::vector<std::string>{"example.com/p:7"});
}

TEST(RegistriesConfTest, AnEmptySearchListIsAClearError) {
  RegistriesConf conf = parse("unqualified-search-registries = []\n");
  auto found = short_name_candidates(conf, "busybox");
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message().find("unqualified-search-registries is empty"),
            std::string::npos)
      << found.error().message();
  EXPECT_NE(found.error().hint().find("docker.io/library/busybox"), std::string::npos);
}

TEST(RegistriesConfTest, FilesInPodmansOrder) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  std::string home = dir->path().string();
  const char* old_home = std::getenv("HOME");
  std::string saved = old_home ? old_home : "";
  ::setenv("HOME", home.c_str(), 1);
  ::unsetenv("XDG_CONFIG_HOME");
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  ASSERT_TRUE(make_dirs(dir->path() / ".config/containers/registries.conf.d"));
  ASSERT_TRUE(write_file_atomic(dir->path() / ".config/containers/registries.conf", ""));
  ASSERT_TRUE(write_file_atomic(dir->path() / ".config/containers/registries.conf.d/b.conf", ""));
  ASSERT_TRUE(write_file_atomic(dir->path() / ".config/containers/registries.conf.d/a.conf", ""));
  ASSERT_TRUE(write_file_atomic(dir->path() / ".config/containers/registries.conf.d/c.txt", ""));
  auto files = registries_conf_files();
  ASSERT_TRUE(files) << files.error().message();
  ASSERT_GE(files->size(), 3u);
  EXPECT_EQ(files->front(), dir->path() / ".config/containers/registries.conf");
  EXPECT_EQ((*files)[files->size() - 2],
            dir->path() / ".config/containers/registries.conf.d/a.conf");
  EXPECT_EQ(files->back(), dir->path() / ".config/containers/registries.conf.d/b.conf");
  for (const auto& f : *files) EXPECT_NE(f, "/etc/containers/registries.conf");
  ::setenv("CONTAINERS_REGISTRIES_CONF", "/x/only.conf", 1);
  auto only = registries_conf_files();
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  ::setenv("HOME", saved.c_str(), 1);
  ASSERT_TRUE(only);
  EXPECT_EQ(*only, std::vector<std::filesystem::path>{"/x/only.conf"});
}

}  // namespace
}  // namespace sbx::image
