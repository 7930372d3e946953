#include "sandbox/base/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

namespace sbx {

namespace fs = std::filesystem;

Result<UniqueFd> open_file(const fs::path& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return fail_errno("open", path.native());
  return UniqueFd(fd);
}

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd = SBX_TRY(open_file(path, O_RDONLY));
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read", path.native());
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("write"));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Status write_file_atomic(const fs::path& path, std::string_view data, mode_t mode,
                         Durability durability) {
  std::string temp = path.native() + ".tmp-XXXXXX";
  int raw = ::mkostemp(temp.data(), O_CLOEXEC);
  if (raw < 0) return fail_errno("mkstemp", temp);
  UniqueFd fd(raw);
  auto cleanup_on_error = [&](Error error) {
    ::unlink(temp.c_str());
    return fail(std::move(error));
  };
  if (::fchmod(fd.get(), mode) != 0) return cleanup_on_error(Error::from_errno("fchmod", temp));
  if (auto written = write_all(fd.get(), data); !written)
    return cleanup_on_error(std::move(written.error()).context(temp));
  if (durability == Durability::kDurable && ::fsync(fd.get()) != 0)
    return cleanup_on_error(Error::from_errno("fsync", temp));
  fd.reset();
  if (::rename(temp.c_str(), path.c_str()) != 0)
    return cleanup_on_error(Error::from_errno("rename", path.native()));
  if (durability == Durability::kVolatile) return {};
  // The rename is a change of the directory: until the directory is synced, a
  // power cut may undo it, and the file is the old one or not there at all.
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd || ::fsync(dir_fd.get()) != 0) return fail_errno("fsync", dir.native());
  return {};
}

Status make_dirs(const fs::path& path, mode_t mode) {
  if (path.empty()) return {};
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail_errno("mkdir", path.native(), ENOTDIR);
  }
  if (path.has_parent_path() && path.parent_path() != path)
    SBX_TRY(make_dirs(path.parent_path(), mode));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return fail_errno("mkdir", path.native());
  return {};
}

namespace {
// Gives our own directories u+rwx so they can be emptied (overlayfs leaves its
// work/work dir at mode 000). Directories of other owners are left alone.
void open_up_owned_dirs(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) return;
  if ((st.st_mode & 0700) != 0700) ::chmod(path.c_str(), (st.st_mode & 07777) | 0700);
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    open_up_owned_dirs(it->path());
}
}  // namespace

Result<std::vector<std::string>> entry_names_at(int dir_fd) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open", ".");
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return fail_errno("fdopendir", ".");
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int saved = errno;
  ::closedir(dir);
  if (saved != 0) return fail_errno("readdir", ".", saved);
  return names;
}

// ENOENT at any step is another remover (a run's background collector and an
// rmi's collect both empty the trash) having taken that entry first.
Status remove_tree_at(int dir_fd, const std::string& name) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return fail_errno("stat", name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT)
      return fail_errno("unlink", name);
    return {};
  }
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return fail_errno("open", name);
  }
  UniqueFd dir(fd);
  std::vector<std::string> names = SBX_TRY_CTX(entry_names_at(dir.get()), name);
  for (const std::string& entry : names) SBX_TRY_CTX(remove_tree_at(dir.get(), entry), name);
  if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return fail_errno("rmdir", name);
  return {};
}

Status remove_tree(const fs::path& path) {
  Status removed = remove_tree_at(AT_FDCWD, path.native());
  if (!removed &&
      (removed.error().errno_value() == EACCES || removed.error().errno_value() == EPERM)) {
    open_up_owned_dirs(path);
    removed = remove_tree_at(AT_FDCWD, path.native());
  }
  return removed;
}

bool path_exists(const fs::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Result<TempDir> TempDir::create(const fs::path& parent, std::string_view prefix) {
  fs::path base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = tmpdir && *tmpdir ? tmpdir : "/tmp";
  }
  std::string templ = (base / (std::string(prefix) + "XXXXXX")).native();
  if (::mkdtemp(templ.data()) == nullptr) return fail_errno("mkdtemp", templ);
  return TempDir(fs::path(templ));
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) (void)remove_tree(path_);
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TempDir::~TempDir() {
  if (!path_.empty()) (void)remove_tree(path_);
}

namespace {
Result<FileLock> lock_file(const fs::path& path, FileLock::Mode mode, bool wait,
                           FileLock (*make)(UniqueFd)) {
  UniqueFd fd = SBX_TRY(open_file(path, O_RDWR | O_CREAT, 0600));
  int op = mode == FileLock::Mode::kShared ? LOCK_SH : LOCK_EX;
  if (!wait) op |= LOCK_NB;
  while (::flock(fd.get(), op) != 0) {
    if (errno == EINTR) continue;
    if (!wait && errno == EWOULDBLOCK) return FileLock();
    return fail_errno("flock", path.native());
  }
  return make(std::move(fd));
}
}  // namespace

Result<FileLock> FileLock::acquire(const fs::path& path, Mode mode) {
  return lock_file(path, mode, true, [](UniqueFd fd) { return FileLock(std::move(fd)); });
}

Result<FileLock> FileLock::try_acquire(const fs::path& path, Mode mode) {
  return lock_file(path, mode, false, [](UniqueFd fd) { return FileLock(std::move(fd)); });
}

}  // namespace sbx
