// Layer tarballs, the most hostile input sandbox reads. Every input is
// unpacked twice, as pull does it: for overlay (into an empty dir, whiteouts
// become 0/0 char devices) and for vfs (whiteouts applied onto a lower layer
// that holds symlinks pointing out of it). Each destination is a fresh dir
// with a sentinel dir beside it, and confinement must hold for every input:
//   - the sentinel dir, its file and everything beside the destinations stay
//     exactly as they were (no write, link or delete went through a symlink
//     or "..");
//   - a scan of each destination that never follows symlinks finds only
//     entries on the same file system, and no hardlink to a file outside it.
// The unpacker normally runs as root of a user namespace; ignore_ownership
// (as in tests/unit/rootfs) lets it run as a plain user.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "fuzz_support.hpp"
#include "sandbox/rootfs/unpack.hpp"

namespace {

using namespace sbx;
namespace fs = std::filesystem;

constexpr timespec kSentinelTime{1600000000, 0};

struct Workspace {
  TempDir root;  // <root>/case/{victim,overlay,apply} per input, <root>/outside
  fuzz::InputFile blob;
  fs::path case_dir() const { return root.path() / "case"; }
};

Workspace& workspace() {
  static Workspace ws{fuzz::make_temp_dir("sbx-fuzz-unpack-"), {}};
  return ws;
}

void write_sentinel_file(const fs::path& path) {
  SBX_FUZZ_CHECK(write_file_atomic(path, "hello", 0644).has_value());
  timespec times[2] = {kSentinelTime, kSentinelTime};
  SBX_FUZZ_CHECK(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// 0755 whatever the umask: check_surroundings() compares the sentinel's mode.
void make_dir(const fs::path& path) {
  SBX_FUZZ_CHECK(::mkdir(path.c_str(), 0755) == 0 && ::chmod(path.c_str(), 0755) == 0);
}
void make_symlink(const std::string& target, const fs::path& path) {
  SBX_FUZZ_CHECK(::symlink(target.c_str(), path.c_str()) == 0);
}

// What the vfs driver has below a layer: a file, a merged-/usr symlink, and
// symlinks out of the layer (relative and absolute) that must never be followed.
void make_lower_layer(const fs::path& dir, const fs::path& victim) {
  make_dir(dir);
  make_dir(dir / "etc");
  SBX_FUZZ_CHECK(write_file_atomic(dir / "etc/passwd", "root:x:0:0::/root:/bin/sh\n").has_value());
  make_dir(dir / "usr");
  make_dir(dir / "usr/bin");
  SBX_FUZZ_CHECK(write_file_atomic(dir / "usr/bin/sh", "#!").has_value());
  make_symlink("usr/bin", dir / "bin");
  make_symlink("../victim", dir / "up");
  make_symlink(victim.native(), dir / "abs");
}

void make_case(const Workspace& ws) {
  fs::path dir = ws.case_dir();
  make_dir(dir);
  make_dir(dir / "victim");
  write_sentinel_file(dir / "victim/hello");
  make_dir(dir / "overlay");
  make_lower_layer(dir / "apply", dir / "victim");
  timespec times[2] = {kSentinelTime, kSentinelTime};
  SBX_FUZZ_CHECK(::utimensat(AT_FDCWD, (dir / "victim").c_str(), times, 0) == 0);
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

void check_sentinel_file(const fs::path& path) {
  struct stat st {};
  SBX_FUZZ_CHECK(::lstat(path.c_str(), &st) == 0);
  SBX_FUZZ_CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
  SBX_FUZZ_CHECK(st.st_nlink == 1 && st.st_size == 5);
  SBX_FUZZ_CHECK(st.st_mtim.tv_sec == kSentinelTime.tv_sec);
  SBX_FUZZ_CHECK(read_file(path).value_or("") == "hello");
}

void check_surroundings(const Workspace& ws) {
  fs::path dir = ws.case_dir();
  SBX_FUZZ_CHECK(names_in(ws.root.path()) == (std::vector<std::string>{"case", "outside"}));
  check_sentinel_file(ws.root.path() / "outside");
  SBX_FUZZ_CHECK(names_in(dir) == (std::vector<std::string>{"apply", "overlay", "victim"}));
  struct stat st {};
  SBX_FUZZ_CHECK(::lstat((dir / "victim").c_str(), &st) == 0);
  SBX_FUZZ_CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
  // Any entry made or removed in it since make_case() would have changed this.
  SBX_FUZZ_CHECK(st.st_mtim.tv_sec == kSentinelTime.tv_sec);
  SBX_FUZZ_CHECK(names_in(dir / "victim") == std::vector<std::string>{"hello"});
  check_sentinel_file(dir / "victim/hello");
}

// Visits every entry below `top` without following symlinks, holding one
// directory fd at a time (trees may be deeper than the fd limit or PATH_MAX).
// Directories are made searchable first (layers may set 0000). `visit` sees
// each entry before a directory is entered, `leave` each after its children.
template <class Visit, class Leave>
void walk_tree(const fs::path& top, Visit visit, Leave leave) {
  struct Frame {
    std::vector<std::string> names;
    size_t next = 0;
  };
  auto list = [](int fd) {
    std::vector<std::string> names;
    DIR* dir = ::fdopendir(::dup(fd));
    SBX_FUZZ_CHECK(dir != nullptr);
    while (dirent* entry = ::readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    return names;
  };
  SBX_FUZZ_CHECK(::chmod(top.c_str(), 0700) == 0);
  UniqueFd current(::open(top.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  SBX_FUZZ_CHECK(static_cast<bool>(current));
  std::vector<Frame> stack{{list(current.get())}};
  while (!stack.empty()) {
    Frame& frame = stack.back();
    if (frame.next == frame.names.size()) {
      stack.pop_back();
      if (stack.empty()) break;
      current.reset(::openat(current.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      SBX_FUZZ_CHECK(static_cast<bool>(current));
      leave(current.get(), stack.back().names[stack.back().next - 1], true);
      continue;
    }
    const std::string& name = frame.names[frame.next++];
    struct stat st {};
    SBX_FUZZ_CHECK(::fstatat(current.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
    visit(st);
    if (!S_ISDIR(st.st_mode)) {
      leave(current.get(), name, false);
      continue;
    }
    SBX_FUZZ_CHECK(::fchmodat(current.get(), name.c_str(), 0700, 0) == 0);
    current.reset(::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    SBX_FUZZ_CHECK(static_cast<bool>(current));
    stack.push_back({list(current.get())});
  }
}

// Same file system throughout, and every link of every file is in the tree.
void check_tree(const fs::path& top) {
  struct stat top_st {};
  SBX_FUZZ_CHECK(::lstat(top.c_str(), &top_st) == 0);
  std::map<ino_t, std::pair<nlink_t, nlink_t>> links;  // inode -> {st_nlink, seen}
  walk_tree(
      top,
      [&](const struct stat& st) {
        SBX_FUZZ_CHECK(st.st_dev == top_st.st_dev);
        if (S_ISDIR(st.st_mode)) return;
        auto& [nlink, seen] = links[st.st_ino];
        nlink = st.st_nlink;
        ++seen;
      },
      [](int, const std::string&, bool) {});
  for (const auto& [inode, counts] : links) SBX_FUZZ_CHECK(counts.first == counts.second);
}

void remove_case(const Workspace& ws) {
  fs::path dir = ws.case_dir();
  walk_tree(
      dir, [](const struct stat&) {},
      [](int parent, const std::string& name, bool is_dir) {
        SBX_FUZZ_CHECK(::unlinkat(parent, name.c_str(), is_dir ? AT_REMOVEDIR : 0) == 0);
      });
  SBX_FUZZ_CHECK(::rmdir(dir.c_str()) == 0);
}

void unpack_into(const Workspace& ws, const char* dest, rootfs::WhiteoutForm form) {
  rootfs::UnpackOptions options;
  options.whiteouts = form;
  options.layer_name = "sha256:fuzz";
  options.ignore_ownership = true;
  std::vector<std::string> warnings;
  auto unpacked = rootfs::unpack_layer(ws.blob.path(), ws.case_dir() / dest, options, warnings);
  if (!unpacked) SBX_FUZZ_CHECK(!unpacked.error().message().empty());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Workspace& ws = workspace();
  write_sentinel_file(ws.root.path() / "outside");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Workspace& ws = workspace();
  std::string blob(fuzz::as_text(data, size));
  fuzz::fix_tar_checksums(blob);
  ws.blob.write(blob);
  make_case(ws);
  unpack_into(ws, "overlay", rootfs::WhiteoutForm::kOverlay);
  unpack_into(ws, "apply", rootfs::WhiteoutForm::kApply);
  check_surroundings(ws);
  check_tree(ws.case_dir() / "overlay");
  check_tree(ws.case_dir() / "apply");
  remove_case(ws);
  return 0;
}
