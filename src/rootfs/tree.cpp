// Walks with lstat only: a tree of an image is never followed out through a
// link, and the same walk serves measuring and comparing.
#include "sandbox/rootfs/tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "sandbox/base/files.hpp"

namespace sbx::rootfs {

namespace fs = std::filesystem;

namespace {

// Relative path -> lstat, for every name below `root`.
Result<std::map<std::string, struct stat>> list_tree(const fs::path& root) {
  std::map<std::string, struct stat> entries;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) return fail_errno("lstat", it->path().native());
    entries.emplace(it->path().lexically_relative(root).native(), st);
  }
  if (ec) return fail_errno("readdir", root.native(), ec.value());
  return entries;
}

std::string link_target(const fs::path& path) {
  std::error_code ec;
  return fs::read_symlink(path, ec).native();
}

std::string opaque_marks(const fs::path& path) {
  std::string marks;
  for (const char* name : {"user.overlay.opaque", "trusted.overlay.opaque"}) {
    char value[8];
    ssize_t n = ::lgetxattr(path.c_str(), name, value, sizeof value);
    marks += n > 0 ? std::string(name) + "=" + std::string(value, n) + ";" : "";
  }
  return marks;
}

// True when both files hold the same bytes (their sizes are equal already).
Result<bool> same_content(const fs::path& a, const fs::path& b) {
  UniqueFd fa = SBX_TRY(open_file(a, O_RDONLY | O_CLOEXEC));
  UniqueFd fb = SBX_TRY(open_file(b, O_RDONLY | O_CLOEXEC));
  std::array<char, 65536> ba, bb;
  for (;;) {
    ssize_t na = ::read(fa.get(), ba.data(), ba.size());
    if (na < 0) return fail_errno("read", a.native());
    size_t got = 0;
    while (got < static_cast<size_t>(na)) {
      ssize_t nb = ::read(fb.get(), bb.data() + got, static_cast<size_t>(na) - got);
      if (nb < 0) return fail_errno("read", b.native());
      if (nb == 0) return false;
      got += static_cast<size_t>(nb);
    }
    if (na == 0) {
      ssize_t more = ::read(fb.get(), bb.data(), 1);
      return more == 0;
    }
    if (std::memcmp(ba.data(), bb.data(), static_cast<size_t>(na)) != 0) return false;
  }
}

// What differs between one name's two inodes, "" when nothing (content aside).
std::string metadata_difference(const struct stat& a, const struct stat& b) {
  if ((a.st_mode & S_IFMT) != (b.st_mode & S_IFMT)) return "is of another type";
  if (a.st_mode != b.st_mode) return "has another mode";
  if (a.st_uid != b.st_uid || a.st_gid != b.st_gid) return "has another owner";
  if (S_ISDIR(a.st_mode)) return "";
  if (S_ISREG(a.st_mode) && a.st_size != b.st_size)
    return "has " + std::to_string(a.st_size) + " bytes instead of " + std::to_string(b.st_size);
  if ((S_ISCHR(a.st_mode) || S_ISBLK(a.st_mode)) && a.st_rdev != b.st_rdev)
    return "is another device";
  // A whiteout (char 0/0) is made at unpack time and carries that time.
  bool whiteout = S_ISCHR(a.st_mode) && a.st_rdev == 0;
  if (!whiteout && a.st_mtim.tv_sec != b.st_mtim.tv_sec) return "has another modification time";
  return "";
}

}  // namespace

Result<TreeStats> measure_tree(const fs::path& root) {
  auto entries = SBX_TRY(list_tree(root));
  TreeStats stats;
  std::set<std::pair<dev_t, ino_t>> seen;
  for (const auto& [name, st] : entries) {
    ++stats.entries;
    if (S_ISREG(st.st_mode) && seen.emplace(st.st_dev, st.st_ino).second)
      stats.file_bytes += static_cast<uint64_t>(st.st_size);
  }
  return stats;
}

Result<std::optional<std::string>> first_difference(const fs::path& a, const fs::path& b) {
  auto left = SBX_TRY(list_tree(a));
  auto right = SBX_TRY(list_tree(b));
  for (const auto& [name, st] : right)
    if (!left.contains(name)) return std::optional<std::string>(name + " is missing");
  for (const auto& [name, st] : left)
    if (!right.contains(name)) return std::optional<std::string>(name + " should not be there");
  for (const auto& [name, st] : left) {
    const struct stat& other = right.at(name);
    std::string why = metadata_difference(st, other);
    if (why.empty() && S_ISLNK(st.st_mode) && link_target(a / name) != link_target(b / name))
      why = "points elsewhere";
    if (why.empty() && opaque_marks(a / name) != opaque_marks(b / name))
      why = "has other overlay marks";
    if (why.empty() && S_ISREG(st.st_mode) && !SBX_TRY(same_content(a / name, b / name)))
      why = "has other contents";
    if (!why.empty()) return std::optional<std::string>(name + " " + why);
  }
  return std::optional<std::string>();
}

}  // namespace sbx::rootfs
