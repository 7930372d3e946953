// --pid and --ipc as the spec keeps them, and the values refused.
#include "sandbox/containers/namespace_flags.hpp"

#include <gtest/gtest.h>

namespace sbx::containers {
namespace {

Result<ContainerSpec> spec_with_namespaces(const std::string& pid, const std::string& ipc,
                                           std::vector<std::string> sysctls = {}) {
  ImageDefaults image;
  image.cmd = {"sh"};
  RunFlags flags;
  flags.pid = pid;
  flags.ipc = ipc;
  flags.sysctls = std::move(sysctls);
  return make_container_spec(image, flags);
}

TEST(NamespaceFlags, ModesAreKeptAsGiven) {
  struct Case {
    std::string pid, ipc, want_pid, want_ipc;
  };
  for (const auto& c :
       std::vector<Case>{{"", "", "", ""},
                         {"host", "host", "host", "host"},
                         {"private", "private", "", "private"},
                         {"container:web", "container:db", "container:web", "container:db"},
                         {"", "shareable", "", "shareable"},
                         {"", "none", "", "none"}}) {
    auto spec = spec_with_namespaces(c.pid, c.ipc);
    ASSERT_TRUE(spec) << c.pid << " " << c.ipc << ": " << spec.error().message();
    EXPECT_EQ(spec->pid_mode, c.want_pid);
    EXPECT_EQ(spec->ipc_mode, c.want_ipc);
  }
}

TEST(NamespaceFlags, BadValuesAreRefused) {
  struct Case {
    std::string pid, ipc, message;
  };
  for (const auto& c : std::vector<Case>{{"bogus", "", "invalid --pid 'bogus'"},
                                         {"none", "", "invalid --pid 'none'"},
                                         {"container:", "", "no container named"},
                                         {"", "bogus", "invalid --ipc 'bogus'"},
                                         {"", "container:", "no container named"}}) {
    auto spec = spec_with_namespaces(c.pid, c.ipc);
    ASSERT_FALSE(spec) << c.pid << " " << c.ipc;
    EXPECT_NE(spec.error().message().find(c.message), std::string::npos) << spec.error().message();
    EXPECT_FALSE(spec.error().hint().empty());
  }
}

TEST(NamespaceFlags, IpcSysctlsNeedAnIpcNamespaceOfTheirOwn) {
  EXPECT_TRUE(spec_with_namespaces("", "private", {"kernel.shmmax=4096"}));
  EXPECT_TRUE(spec_with_namespaces("", "host", {"net.ipv4.ip_forward=1"}));
  for (const char* ipc : {"host", "container:db"}) {
    auto spec = spec_with_namespaces("", ipc, {"kernel.shmmax=4096"});
    ASSERT_FALSE(spec) << ipc;
    EXPECT_NE(spec.error().message().find("--sysctl kernel.shmmax"), std::string::npos)
        << spec.error().message();
  }
}

TEST(NamespaceFlags, ShareKinds) {
  EXPECT_EQ(namespace_share(""), NamespaceShare::kOwn);
  EXPECT_EQ(namespace_share("shareable"), NamespaceShare::kOwn);
  EXPECT_EQ(namespace_share("host"), NamespaceShare::kHost);
  EXPECT_EQ(namespace_share("container:x"), NamespaceShare::kContainer);
  EXPECT_EQ(namespace_share_target("container:x"), "x");
  EXPECT_EQ(namespace_share_target("host"), "");
}

}  // namespace
}  // namespace sbx::containers
