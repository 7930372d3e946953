// `diff`'s walk of an upper dir over lower layers, on plain directories.
#include "sandbox/rootfs/layer_changes.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sandbox/base/files.hpp"

namespace sbx::rootfs {
namespace {

namespace fs = std::filesystem;

TEST(UpperChanges, AddedChangedDeletedSortedByPath) {
  TempDir dir = std::move(*TempDir::create());
  fs::path upper = dir.path() / "upper", top = dir.path() / "top", base = dir.path() / "base";
  for (const fs::path& d :
       {upper / "etc", upper / "new/sub", top / "etc", base / "etc", base / "usr"})
    fs::create_directories(d);
  std::ofstream(base / "etc/passwd") << "root";
  std::ofstream(base / "etc/gone") << "x";
  std::ofstream(top / "etc/.wh.hidden") << "";  // the top layer deleted it
  std::ofstream(base / "etc/hidden") << "x";
  std::ofstream(upper / "etc/passwd") << "root2";
  std::ofstream(upper / "etc/.wh.gone") << "";  // fuse-overlayfs' form of a whiteout
  std::ofstream(upper / "etc/hidden") << "again";
  std::ofstream(upper / "new/sub/f") << "f";
  fs::create_symlink("/nowhere", upper / "link");
  auto changes = upper_changes(upper, {top, base});
  ASSERT_TRUE(changes) << changes.error().message();
  std::vector<LayerChange> want{{'C', "/etc"},        {'D', "/etc/gone"}, {'A', "/etc/hidden"},
                                {'C', "/etc/passwd"}, {'A', "/link"},     {'A', "/new"},
                                {'A', "/new/sub"},    {'A', "/new/sub/f"}};
  EXPECT_EQ(*changes, want);
}

}  // namespace
}  // namespace sbx::rootfs
