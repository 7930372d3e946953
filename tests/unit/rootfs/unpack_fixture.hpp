// A scratch area for unpack tests: <base>/dest is the layer dir, <base>/victim
// a sibling that hostile layers aim at and that must stay as it was.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "layer_builder.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/unpack.hpp"

namespace sbx::rootfs::testing {

namespace fs = std::filesystem;

inline std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
inline struct stat lstat_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}
inline std::string xattr_of(const fs::path& path, const char* name) {
  char value[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, value, sizeof value);
  return n < 0 ? std::string() : std::string(value, static_cast<size_t>(n));
}

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::create({}, "sbx-rootfs-test-");
    ASSERT_TRUE(temp) << temp.error().message();
    temp_.emplace(std::move(*temp));
    base_ = temp_->path();
    dest_ = base_ / "dest";
    victim_ = base_ / "victim";
    fs::create_directory(dest_);
    fs::create_directory(victim_);
    std::ofstream(victim_ / "hello") << "hello";
  }

  Status unpack(const LayerBuilder& layer, WhiteoutForm form = WhiteoutForm::kOverlay,
                Compression compression = Compression::kNone) {
    fs::path blob = layer.write(base_ / ("layer" + std::to_string(++layers_)), compression);
    UnpackOptions options;
    options.whiteouts = form;
    options.layer_name = "sha256:test";
    options.ignore_ownership = true;
    return unpack_layer(blob, dest_, options, warnings_);
  }

  // The sibling dir holds exactly what SetUp put there.
  void expect_victim_untouched() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(victim_))
      names.push_back(entry.path().filename());
    EXPECT_EQ(names, std::vector<std::string>{"hello"});
    EXPECT_EQ(read(victim_ / "hello"), "hello");
    std::vector<std::string> top;
    for (const auto& entry : fs::directory_iterator(base_)) {
      std::string name = entry.path().filename();
      if (!name.starts_with("layer")) top.push_back(name);
    }
    std::sort(top.begin(), top.end());
    EXPECT_EQ(top, (std::vector<std::string>{"dest", "victim"}));
  }

  std::optional<TempDir> temp_;
  fs::path base_, dest_, victim_;
  std::vector<std::string> warnings_;
  int layers_ = 0;
};

}  // namespace sbx::rootfs::testing
