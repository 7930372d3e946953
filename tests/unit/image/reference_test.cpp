// Reference grammar and normalization, cases from distribution/reference
// normalize_test.go and reference_test.go.
#include "sandbox/image/reference.hpp"

#include <gtest/gtest.h>

namespace sbx::image {
namespace {

constexpr std::string_view kHex =
    "86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";

TEST(ReferenceTest, ValidNames) {
  for (std::string_view name : {
           "docker/docker",
           "library/debian",
           "debian",
           "localhost/library/debian",
           "localhost/debian",
           "LOCALDOMAIN/library/debian",
           "LOCALDOMAIN/debian",
           "docker.io/docker/docker",
           "docker.io/library/debian",
           "docker.io/debian",
           "index.docker.io/docker/docker",
           "index.docker.io/library/debian",
           "index.docker.io/debian",
           "127.0.0.1:5000/docker/docker",
           "127.0.0.1:5000/library/debian",
           "127.0.0.1:5000/debian",
           "192.168.0.1",
           "192.168.0.1:80",
           "192.168.0.1:8/debian",
           "192.168.0.2:25000/debian",
           "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
           "[fc00::1]:5000/docker",
           "[fc00::1]:5000/docker/docker",
           "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
           "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
           "Docker/docker",
           "DOCKER/docker",
           "docker-rules/docker",
           "docker---rules/docker",
           "doc/docker",
           "d/docker",
           "jess/t",
           "dock__er/docker",
       }) {
    EXPECT_TRUE(parse_reference(name).has_value()) << name;
  }
}

TEST(ReferenceTest, InvalidNames) {
  for (std::string_view name : {
           "",
           "https://github.com/docker/docker",
           "docker/Docker",
           "-docker",
           "-docker/docker",
           "-docker.io/docker/docker",
           "docker///docker",
           "docker.io/docker/Docker",
           "docker.io/docker///docker",
           "[fc00::1]",
           "[fc00::1]:5000",
           "fc00::1:5000/debian",
           "[fe80::1%eth0]:5000/debian",
           "[2001:db8:3:4::192.0.2.33]:5000/debian",
           "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
           "docker-/docker",
           "-docker-/docker",
           "____/____",
           "_docker/_docker",
           "dock..er/docker",
           "dock_.er/docker",
           "dock-.er/docker",
           "docker/",
           "busybox:",
           "busybox:-tag",
           "busybox@",
           "busybox@sha256:abc",
           "busybox@sha512:abc",
           "Uppercase:tag",
           "a/b:tag:more",
           ":justtag",
           "@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
           "repo@sha256:ffffffffffffffffffffffffffffffffff",
           "validname@invaliddigest:"
           "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
           "test:5000/Uppercase/lowercase:tag",
           "aa/asdf$$^/aa",
           "[2001:db8::1]",
           "[2001:db8::1]:5000",
           "[2001:db8::1]:tag",
           "[fe80::1%@invalidzone]:5000/repo",
       }) {
    EXPECT_FALSE(parse_reference(name).has_value()) << name;
  }
}

TEST(ReferenceTest, LengthLimits) {
  std::string long_namespace(260, 'a');
  EXPECT_FALSE(parse_reference(long_namespace + "/docker").has_value());
  // The limit is on the path: library/ + 247 = 255 characters is fine.
  EXPECT_TRUE(parse_reference(std::string(247, 'a')).has_value());
  EXPECT_FALSE(parse_reference(std::string(248, 'a')).has_value());
  EXPECT_TRUE(parse_reference("example.com/" + std::string(255, 'a') + ":tag").has_value());
  EXPECT_FALSE(parse_reference("domain.com/" + std::string(256, 'a') + ":tag").has_value());
  EXPECT_TRUE(parse_reference("busybox:" + std::string(128, 't')).has_value());
  EXPECT_FALSE(parse_reference("busybox:" + std::string(129, 't')).has_value());
}

TEST(ReferenceTest, UppercaseErrorSaysLowercase) {
  auto ref = parse_reference("docker/Docker");
  ASSERT_FALSE(ref);
  EXPECT_NE(ref.error().message().find("lowercase"), std::string::npos) << ref.error().message();
}

struct NormalizeCase {
  std::string_view input;
  std::string_view domain;
  std::string_view path;
  std::string_view familiar_name;  // familiar() without tag/digest
  std::string_view full_name;      // repository()
};

TEST(ReferenceTest, NormalizesLikeDocker) {
  const NormalizeCase cases[] = {
      {"localhost/fooo", "localhost", "fooo", "localhost/fooo", "localhost/fooo"},
      {"localhost/fooo/bar", "localhost", "fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar"},
      {"LOCALDOMAIN/fooo", "LOCALDOMAIN", "fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo"},
      {"fooo/bar", "docker.io", "fooo/bar", "fooo/bar", "docker.io/fooo/bar"},
      {"index.docker.io/fooo/bar", "docker.io", "fooo/bar", "fooo/bar", "docker.io/fooo/bar"},
      {"ubuntu", "docker.io", "library/ubuntu", "ubuntu", "docker.io/library/ubuntu"},
      {"library/ubuntu", "docker.io", "library/ubuntu", "ubuntu", "docker.io/library/ubuntu"},
      {"docker.io/foo", "docker.io", "library/foo", "foo", "docker.io/library/foo"},
      {"nonlibrary/ubuntu", "docker.io", "nonlibrary/ubuntu", "nonlibrary/ubuntu",
       "docker.io/nonlibrary/ubuntu"},
      {"other/library", "docker.io", "other/library", "other/library", "docker.io/other/library"},
      {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase",
       "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase"},
      {"127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase", "127.0.0.1:8000/privatebase",
       "127.0.0.1:8000/privatebase"},
      {"example.com/private/moonbase", "example.com", "private/moonbase",
       "example.com/private/moonbase", "example.com/private/moonbase"},
      {"example.com:8000/privatebasee", "example.com:8000", "privatebasee",
       "example.com:8000/privatebasee", "example.com:8000/privatebasee"},
      {"index.docker.io/library/ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base",
       "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base"},
      {"library/foo/bar", "docker.io", "library/foo/bar", "library/foo/bar",
       "docker.io/library/foo/bar"},
      {"store/foo/bar", "docker.io", "store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar"},
      {"Foo/bar", "Foo", "bar", "Foo/bar", "Foo/bar"},
      {"FOO/bar", "FOO", "bar", "FOO/bar", "FOO/bar"},
  };
  for (const auto& c : cases) {
    auto ref = parse_reference(c.input);
    ASSERT_TRUE(ref) << c.input << ": " << ref.error().message();
    EXPECT_EQ(ref->domain, c.domain) << c.input;
    EXPECT_EQ(ref->path, c.path) << c.input;
    EXPECT_EQ(ref->repository(), c.full_name) << c.input;
    EXPECT_EQ(ref->tag, "latest") << c.input;
    EXPECT_EQ(ref->familiar(), std::string(c.familiar_name) + ":latest") << c.input;
  }
}

// Found by fuzz_reference: docker drops docker.io/ even when the path's first
// component then reads as a registry host, so the familiar name named another image.
TEST(ReferenceTest, FamiliarFormParsesBackToTheSameReference) {
  for (std::string_view input :
       {"docker.io/rndd.y/debian:12", "docker.io/localhost/app", "docker.io/library/a/b:1",
        "busybox", "user/app:1", "127.0.0.1:5000/x/y"}) {
    auto ref = parse_reference(input);
    ASSERT_TRUE(ref) << input;
    auto again = parse_reference(ref->familiar());
    ASSERT_TRUE(again) << ref->familiar();
    EXPECT_EQ(*again, *ref) << input << " -> " << ref->familiar();
  }
  EXPECT_EQ(parse_reference("docker.io/rndd.y/debian:12")->familiar(),
            "docker.io/rndd.y/debian:12");
}

struct ParseCase {
  std::string_view input;
  std::string_view domain;
  std::string_view path;
  std::string_view tag;
  std::string_view digest;
};

// distribution/reference reference_test.go TestReferenceParse, normalized.
TEST(ReferenceTest, ParsesLikeDistribution) {
  const std::string ff = "sha256:" + std::string(64, 'f');
  const ParseCase cases[] = {
      {"test_com", "docker.io", "library/test_com", "latest", ""},
      {"test.com:tag", "docker.io", "library/test.com", "tag", ""},
      {"test.com:5000", "docker.io", "library/test.com", "5000", ""},
      {"test.com/repo:tag", "test.com", "repo", "tag", ""},
      {"test:5000/repo", "test:5000", "repo", "latest", ""},
      {"test:5000/repo:tag", "test:5000", "repo", "tag", ""},
      {"lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", ""},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
       "some-long-tag", ""},
      {"b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
       "test.example.com", ""},
      {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", ""},
      {"foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", ""},
      {"192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", ""},
      {"[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", ""},
      {"[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", ""},
      {"[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "latest", ""},
      {"[::1]:5000/repo", "[::1]:5000", "repo", "latest", ""},
  };
  for (const auto& c : cases) {
    auto ref = parse_reference(c.input);
    ASSERT_TRUE(ref) << c.input << ": " << ref.error().message();
    EXPECT_EQ(ref->domain, c.domain) << c.input;
    EXPECT_EQ(ref->path, c.path) << c.input;
    EXPECT_EQ(ref->tag, c.tag) << c.input;
    EXPECT_EQ(ref->digest, c.digest) << c.input;
  }
  auto both = parse_reference("[2001:db8::1]:5000/repo:tag@" + ff);
  ASSERT_TRUE(both) << both.error().message();
  EXPECT_EQ(both->domain, "[2001:db8::1]:5000");
  EXPECT_EQ(both->tag, "tag");
  EXPECT_EQ(both->digest, ff);
  auto digest_only = parse_reference("test:5000/repo@" + ff);
  ASSERT_TRUE(digest_only);
  EXPECT_EQ(digest_only->tag, "");
  EXPECT_EQ(digest_only->digest, ff);
}

TEST(ReferenceTest, DefaultsTagLatest) {
  auto ref = parse_reference("busybox");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->canonical(), "docker.io/library/busybox:latest");
  EXPECT_EQ(ref->familiar(), "busybox:latest");
  EXPECT_EQ(ref->manifest_reference(), "latest");
}

TEST(ReferenceTest, TagAndPort) {
  auto ref = parse_reference("127.0.0.1:5000/x/y:tag");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->domain, "127.0.0.1:5000");
  EXPECT_EQ(ref->path, "x/y");
  EXPECT_EQ(ref->tag, "tag");
  EXPECT_EQ(ref->canonical(), "127.0.0.1:5000/x/y:tag");
  auto official = parse_reference("library/busybox:1.36");
  ASSERT_TRUE(official);
  EXPECT_EQ(official->canonical(), "docker.io/library/busybox:1.36");
  EXPECT_EQ(official->familiar(), "busybox:1.36");
  auto port_only = parse_reference("192.168.0.1:80");
  ASSERT_TRUE(port_only);
  EXPECT_EQ(port_only->path, "library/192.168.0.1");
  EXPECT_EQ(port_only->tag, "80");
}

TEST(ReferenceTest, DigestOnlyHasNoTag) {
  auto ref = parse_reference("busybox@sha256:" + std::string(kHex));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->digest, "sha256:" + std::string(kHex));
  EXPECT_EQ(ref->manifest_reference(), ref->digest);
  EXPECT_EQ(ref->canonical(), "docker.io/library/busybox@sha256:" + std::string(kHex));
}

TEST(ReferenceTest, TagAndDigest) {
  std::string short_ref = "busybox:latest@sha256:" + std::string(kHex);
  auto ref = parse_reference(short_ref);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->canonical(), "docker.io/library/" + short_ref);
  EXPECT_EQ(ref->familiar(), short_ref);
  EXPECT_EQ(ref->manifest_reference(), "sha256:" + std::string(kHex));
}

TEST(ReferenceTest, DigestMustBeLowercaseSha256) {
  std::string upper(kHex);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(parse_reference("busybox@sha256:" + upper));
  EXPECT_FALSE(parse_reference("busybox@sha256:" + std::string(kHex) + "0"));
}

TEST(ReferenceTest, RegistryEndpoint) {
  EXPECT_EQ(registry_endpoint("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_endpoint("index.docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_endpoint("quay.io"), "quay.io");
  EXPECT_EQ(registry_endpoint("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(ReferenceTest, NormalizeRegistryHost) {
  EXPECT_EQ(normalize_registry_host("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(normalize_registry_host("index.docker.io"), "docker.io");
  EXPECT_EQ(normalize_registry_host("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(normalize_registry_host("http://localhost:5000/"), "localhost:5000");
  EXPECT_EQ(normalize_registry_host("quay.io"), "quay.io");
}

TEST(ReferenceTest, LoopbackRegistries) {
  EXPECT_TRUE(is_loopback_registry("127.0.0.1:5000"));
  EXPECT_TRUE(is_loopback_registry("127.1.2.3"));
  EXPECT_TRUE(is_loopback_registry("localhost"));
  EXPECT_TRUE(is_loopback_registry("localhost:5000"));
  EXPECT_TRUE(is_loopback_registry("[::1]:5000"));
  EXPECT_FALSE(is_loopback_registry("127.example.com"));
  EXPECT_FALSE(is_loopback_registry("128.0.0.1:5000"));
  EXPECT_FALSE(is_loopback_registry("docker.io"));
  EXPECT_FALSE(is_loopback_registry("localhost.evil.com"));
}

}  // namespace
}  // namespace sbx::image
