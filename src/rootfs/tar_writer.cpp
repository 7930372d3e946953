// libarchive tar writing for commit, export and save, and the walk of a
// container's upper dir that turns overlay whiteouts into image whiteouts.
#include "sandbox/rootfs/tar_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "sandbox/base/files.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 1 << 16;

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using Entry = std::unique_ptr<archive_entry, EntryFree>;

// overlay's own bookkeeping never goes into a layer.
bool keep_xattr(std::string_view name) {
  if (name == "security.capability") return true;
  return name.starts_with("user.") && !name.starts_with("user.overlay.") &&
         !name.starts_with("user.fuseoverlayfs.");
}

std::string proc_path(int dir_fd, const std::string& base) {
  return "/proc/self/fd/" + std::to_string(dir_fd) + "/" + base;
}

void add_xattrs(archive_entry* entry, const std::string& path) {
  std::vector<char> names(4096);
  ssize_t n = ::llistxattr(path.c_str(), names.data(), names.size());
  if (n < 0 && errno == ERANGE) {
    ssize_t need = ::llistxattr(path.c_str(), nullptr, 0);
    if (need <= 0) return;
    names.resize(static_cast<size_t>(need));
    n = ::llistxattr(path.c_str(), names.data(), names.size());
  }
  for (ssize_t at = 0; n > 0 && at < n;) {
    std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    if (!keep_xattr(name)) continue;
    std::vector<char> value(65536);
    ssize_t len = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (len >= 0) archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), len);
  }
}

Entry entry_from_stat(const std::string& name, const struct stat& st) {
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_copy_stat(entry.get(), &st);
  archive_entry_set_ino(entry.get(), 0);  // no libarchive link guessing
  archive_entry_set_nlink(entry.get(), 1);
  archive_entry_set_dev(entry.get(), 0);
  archive_entry_unset_atime(entry.get());
  archive_entry_unset_ctime(entry.get());
  archive_entry_unset_birthtime(entry.get());
  if (!S_ISREG(st.st_mode)) archive_entry_set_size(entry.get(), 0);
  return entry;
}

}  // namespace

struct TarWriter::State {
  struct Free {
    void operator()(archive* a) const { archive_write_free(a); }
  };
  std::unique_ptr<archive, Free> writer;
  std::map<std::pair<dev_t, ino_t>, std::string> links;
};

TarWriter::TarWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
TarWriter::TarWriter(TarWriter&&) noexcept = default;
TarWriter& TarWriter::operator=(TarWriter&&) noexcept = default;
TarWriter::~TarWriter() = default;

Result<TarWriter> TarWriter::open(int fd) {
  archive* a = archive_write_new();
  if (!a) return fail("archive_write_new: out of memory", ENOMEM);
  auto state = std::make_unique<State>();
  state->writer.reset(a);
  TarWriter writer(std::move(state));
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK)
    return fail(writer.error("open tar output"));
  return writer;
}

Error TarWriter::error(std::string_view what) const {
  const char* message = archive_error_string(state_->writer.get());
  int err = archive_errno(state_->writer.get());
  return Error(std::string(what) + ": " + (message ? message : "libarchive error"),
               err > 0 ? err : EIO);
}

Status TarWriter::add_bytes(const std::string& name, std::string_view data) {
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
    return fail(error("write " + name));
  if (archive_write_data(state_->writer.get(), data.data(), data.size()) !=
      static_cast<la_ssize_t>(data.size()))
    return fail(error("write " + name));
  return {};
}

Status TarWriter::add_dir(const std::string& name) {
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFDIR);
  archive_entry_set_perm(entry.get(), 0755);
  if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
    return fail(error("write " + name));
  return {};
}

Status TarWriter::write_contents(int fd, uint64_t size, const std::string& name) {
  std::vector<char> buffer(kChunk);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buffer.data(), std::min<uint64_t>(buffer.size(), size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read", name);
    if (n == 0) break;  // shrank meanwhile: libarchive pads the entry
    if (archive_write_data(state_->writer.get(), buffer.data(), static_cast<size_t>(n)) != n)
      return fail(error("write " + name));
    done += static_cast<uint64_t>(n);
  }
  return {};
}

Status TarWriter::add_host_file(const std::string& name, const fs::path& path) {
  UniqueFd fd = SBX_TRY(open_file(path, O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat", path.native());
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), st.st_size);
  if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
    return fail(error("write " + name));
  return write_contents(fd.get(), static_cast<uint64_t>(st.st_size), path.native());
}

Status TarWriter::add_decompressed(const std::string& name, const fs::path& blob, uint64_t size) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                &archive_read_free);
  archive* r = reader.get();
  archive_read_support_filter_gzip(r);
  archive_read_support_filter_zstd(r);
  archive_read_support_format_raw(r);
  archive_entry* raw = nullptr;
  if (archive_read_open_filename(r, blob.c_str(), kChunk) != ARCHIVE_OK ||
      archive_read_next_header(r, &raw) != ARCHIVE_OK)
    return fail("decompress " + blob.native() + ": " + archive_error_string(r));
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
    return fail(error("write " + name));
  std::vector<char> buffer(kChunk);
  for (;;) {
    la_ssize_t n = archive_read_data(r, buffer.data(), buffer.size());
    if (n < 0) return fail("decompress " + blob.native() + ": " + archive_error_string(r));
    if (n == 0) break;
    if (archive_write_data(state_->writer.get(), buffer.data(), static_cast<size_t>(n)) != n)
      return fail(error("write " + name));
  }
  return {};
}

Status TarWriter::add_tree_entry(const std::string& name, int dir_fd, const std::string& base,
                                 const struct stat& st) {
  Entry entry = entry_from_stat(name, st);
  std::string path = proc_path(dir_fd, base);
  if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
    auto key = std::pair{st.st_dev, st.st_ino};
    if (auto it = state_->links.find(key); it != state_->links.end()) {
      archive_entry_set_hardlink(entry.get(), it->second.c_str());
      archive_entry_set_size(entry.get(), 0);
      if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
        return fail(error("write " + name));
      return {};
    }
    state_->links.emplace(key, name);
  }
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> target(static_cast<size_t>(st.st_size) + 4096);
    ssize_t n = ::readlinkat(dir_fd, base.c_str(), target.data(), target.size() - 1);
    if (n < 0) return fail_errno("readlink", name);
    archive_entry_set_symlink(entry.get(), std::string(target.data(), n).c_str());
  } else {
    add_xattrs(entry.get(), path);
  }
  UniqueFd fd;
  if (S_ISREG(st.st_mode)) {
    // O_NONBLOCK: a file a running container swapped for a FIFO meanwhile
    // must not block the copy (and is refused below).
    int raw = ::openat(dir_fd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (raw < 0) return fail_errno("open", name);
    fd = UniqueFd(raw);
    struct stat now;
    if (::fstat(fd.get(), &now) != 0 || !S_ISREG(now.st_mode))
      return fail(name + ": changed while being read", EAGAIN);
  }
  if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
    return fail(error("write " + name));
  if (fd) return write_contents(fd.get(), static_cast<uint64_t>(st.st_size), name);
  return {};
}

Status TarWriter::add_marker(const std::string& name, const struct stat& st) {
  struct stat marker = st;
  marker.st_mode = S_IFREG | 0644;
  marker.st_size = 0;
  Entry entry = entry_from_stat(name, marker);
  if (archive_write_header(state_->writer.get(), entry.get()) != ARCHIVE_OK)
    return fail(error("write " + name));
  return {};
}

Status TarWriter::close() {
  if (archive_write_close(state_->writer.get()) != ARCHIVE_OK) return fail(error("finish tar"));
  return {};
}

Result<std::vector<std::string>> sorted_names(int dir_fd, const std::string& what) {
  std::vector<std::string> names = SBX_TRY_CTX(entry_names_at(dir_fd), what);
  std::sort(names.begin(), names.end());
  return names;
}

bool is_opaque_dir(int fd) {
  for (const char* name :
       {"user.overlay.opaque", "trusted.overlay.opaque", "user.fuseoverlayfs.opaque"}) {
    char value[4] = {};
    if (::fgetxattr(fd, name, value, sizeof value) == 1 && value[0] == 'y') return true;
  }
  return false;
}

namespace {

// The entries below `dir_fd` as `prefix` + name. `layer_form`: overlay
// whiteouts and opaque dirs become image whiteouts (an upper dir read as a
// layer); else everything is written as it is.
Status write_dir(int dir_fd, const std::string& prefix, TarWriter& writer, bool layer_form) {
  std::vector<std::string> names = SBX_TRY(sorted_names(dir_fd, prefix.empty() ? "." : prefix));
  for (const std::string& base : names) {
    std::string name = prefix + base;
    struct stat st;
    if (::fstatat(dir_fd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat", name);
    if (layer_form && is_whiteout(st)) {
      SBX_TRY(writer.add_marker(prefix + ".wh." + base, st));
      continue;
    }
    SBX_TRY(writer.add_tree_entry(name, dir_fd, base, st));
    if (!S_ISDIR(st.st_mode)) continue;
    int raw = ::openat(dir_fd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (raw < 0) return fail_errno("open", name);
    UniqueFd sub(raw);
    if (layer_form && is_opaque_dir(sub.get()))
      SBX_TRY(writer.add_marker(name + "/.wh..wh..opq", st));
    SBX_TRY(write_dir(sub.get(), name + "/", writer, layer_form));
  }
  return {};
}

}  // namespace

Status write_upper_layer(const fs::path& upper, TarWriter& writer) {
  UniqueFd root = SBX_TRY(open_file(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  SBX_TRY_CTX(write_dir(root.get(), "", writer, true), "read " + upper.native());
  return writer.close();
}

Status write_tree(TarWriter& writer, int dir_fd, const std::string& base, const struct stat& st,
                  const std::string& name) {
  if (!name.empty()) SBX_TRY(writer.add_tree_entry(name, dir_fd, base, st));
  if (!S_ISDIR(st.st_mode)) return {};
  int raw = ::openat(dir_fd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) return fail_errno("open", name.empty() ? base : name);
  UniqueFd sub(raw);
  return write_dir(sub.get(), name.empty() ? "" : name + "/", writer, false);
}

}  // namespace sbx::rootfs
