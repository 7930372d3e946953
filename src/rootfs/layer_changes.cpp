// `diff`: the upper dir walked once, each name looked up in the image's
// layers (confined to each layer's root, see in_root.hpp).
#include "sandbox/rootfs/layer_changes.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "in_root.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/tar_writer.hpp"

namespace sbx::rootfs {

namespace {

class ChangeWalk {
 public:
  explicit ChangeWalk(std::vector<UniqueFd> lowers) : lowers_(std::move(lowers)) {}

  // The entries of the upper dir `dir_fd`, which is `rel` ("" or "a/b").
  Status walk(int dir_fd, const std::string& rel, bool added) {
    for (const std::string& name : SBX_TRY(sorted_names(dir_fd, rel.empty() ? "." : rel))) {
      if (name == ".wh..wh..opq") continue;
      std::string path = rel.empty() ? name : rel + "/" + name;
      struct stat st;
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return fail_errno("stat", path);
      if (is_whiteout(st)) {
        changes_.push_back({'D', "/" + path});
        continue;
      }
      if (S_ISREG(st.st_mode) && name.starts_with(".wh.") && name.size() > 4) {
        changes_.push_back({'D', "/" + (rel.empty() ? "" : rel + "/") + name.substr(4)});
        continue;
      }
      bool in_image = !added && in_lowers(path);
      changes_.push_back({in_image ? 'C' : 'A', "/" + path});
      if (!S_ISDIR(st.st_mode)) continue;
      int raw = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (raw < 0) return fail_errno("open", path);
      UniqueFd sub(raw);
      SBX_TRY(walk(sub.get(), path, !in_image));
    }
    return {};
  }

  std::vector<LayerChange> take() {
    std::sort(changes_.begin(), changes_.end(),
              [](const LayerChange& a, const LayerChange& b) { return a.path < b.path; });
    return std::move(changes_);
  }

 private:
  // Whether the image shows `path`: the topmost layer that has it or a
  // whiteout of it decides.
  bool in_lowers(const std::string& path) const {
    auto [dir, base] = split_parent(path);
    for (const UniqueFd& lower : lowers_) {
      int raw = open_in_root_raw(lower.get(), dir, O_PATH | O_DIRECTORY);
      if (raw < 0) continue;
      UniqueFd parent(raw);
      struct stat st;
      if (::fstatat(parent.get(), (".wh." + base).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
        return false;
      if (::fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
        return !is_whiteout(st);
    }
    return false;
  }

  std::vector<UniqueFd> lowers_;
  std::vector<LayerChange> changes_;
};

}  // namespace

Result<std::vector<LayerChange>> upper_changes(
    const std::filesystem::path& upper,
    const std::vector<std::filesystem::path>& lowers_top_first) {
  std::vector<UniqueFd> lowers;
  for (const auto& dir : lowers_top_first)
    lowers.push_back(SBX_TRY(open_file(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)));
  UniqueFd root = SBX_TRY(open_file(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ChangeWalk walk(std::move(lowers));
  SBX_TRY_CTX(walk.walk(root.get(), "", false), "read " + upper.native());
  return walk.take();
}

}  // namespace sbx::rootfs
