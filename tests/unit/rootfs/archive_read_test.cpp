// Reading an image archive (`sandbox load`) into a staging dir.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>

#include "../rootfs/layer_builder.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/archive_reader.hpp"

namespace sbx::rootfs {
namespace {

namespace fs = std::filesystem;
using rootfs::testing::LayerBuilder;

class ArchiveReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::create({}, "sbx-archive-read-");
    ASSERT_TRUE(temp) << temp.error().message();
    temp_.emplace(std::move(*temp));
    staging_ = temp_->path() / "staging";
    fs::create_directory(staging_);
  }

  Result<ArchiveContents> read(const LayerBuilder& archive) {
    fs::path tar = archive.write(temp_->path() / "archive.tar");
    UniqueFd fd(::open(tar.c_str(), O_RDONLY | O_CLOEXEC));
    return read_image_archive(fd.get(), staging_);
  }
  size_t staged_files() const {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(staging_), fs::directory_iterator()));
  }

  std::optional<TempDir> temp_;
  fs::path staging_;
};

// Found by fuzz_image_archive: staged files were numbered by the count of
// distinct names, so a repeated name made the next member's file collide.
TEST_F(ArchiveReadTest, ALaterMemberOfTheSameNameReplacesTheEarlier) {
  auto contents = read(LayerBuilder()
                           .file("index.json", "first")
                           .file("index.json", "second")
                           .file("oci-layout", "{}")
                           .symlink("manifest.json", "oci-layout")
                           .file("manifest.json", "[]"));
  ASSERT_TRUE(contents) << contents.error().message();
  EXPECT_EQ(contents->read("index.json", 100).value_or(""), "second");
  EXPECT_EQ(contents->read("manifest.json", 100).value_or(""), "[]");
  EXPECT_TRUE(contents->links.empty());
  EXPECT_EQ(staged_files(), contents->files.size());
}

TEST_F(ArchiveReadTest, ALinkReplacesAnEarlierFile) {
  auto contents =
      read(LayerBuilder().file("a", "a").file("b", "b").hardlink("b", "a").file("c", "c"));
  ASSERT_TRUE(contents) << contents.error().message();
  EXPECT_EQ(contents->read("b", 100).value_or(""), "a");
  EXPECT_EQ(staged_files(), 2u);
}

}  // namespace
}  // namespace sbx::rootfs
