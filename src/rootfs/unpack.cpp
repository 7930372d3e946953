// The layer unpacker: one pass over the archive, every entry created beneath
// an O_PATH fd of the destination (see in_root.hpp), whiteouts translated.
#include "sandbox/rootfs/unpack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <unordered_set>

#include "entry_metadata.hpp"
#include "in_root.hpp"
#include "layer_archive.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/entry_path.hpp"

namespace sbx::rootfs {

namespace {

// A new regular file `base` in `dir_fd` (never through a symlink), or -1.
int create_file(int dir_fd, const std::string& base) {
  return ::openat(dir_fd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

// A directory whose mode and times are set once all its children exist, so a
// read-only dir (0555) still receives them and its mtime stays the image's.
struct DeferredDir {
  std::string path;
  mode_t mode = 0755;
  timespec times[2]{};
};

class Unpacker {
 public:
  Unpacker(int root_fd, const UnpackOptions& options, std::vector<std::string>& warnings)
      : root_fd_(root_fd), options_(options), warnings_(warnings) {}

  Status unpack_all(LayerArchive& archive) {
    for (;;) {
      archive_entry* entry = SBX_TRY(archive.next());
      if (!entry) break;
      std::string name = entry_pathname(entry);
      std::string label = name.empty() ? "(unnamed entry)" : name;
      if (options_.rebase) name = SBX_TRY_CTX(rebase_entry(entry, name), label);
      if (options_.owner) {
        archive_entry_set_uid(entry, options_.owner->first);
        archive_entry_set_gid(entry, options_.owner->second);
      }
      SBX_TRY_CTX(unpack_entry(archive, entry, name), label);
    }
    return finish_dirs();
  }

 private:
  Result<std::string> rebase_entry(archive_entry* entry, const std::string& name);
  Status unpack_entry(LayerArchive& archive, archive_entry* entry, const std::string& name);
  Status unpack_normal(LayerArchive& archive, archive_entry* entry, const std::string& path);
  // Makes `entry` (not a hard link) as `base` in `dir_fd`, where nothing is.
  Status make_entry(LayerArchive& archive, archive_entry* entry, int dir_fd,
                    const std::string& base, const std::string& path);
  Status make_whiteout(const std::string& path);
  Status make_opaque(const std::string& dir);
  // `fd`: the file just created (O_EXCL) as `base` in `dir_fd`.
  Status write_regular(LayerArchive& archive, archive_entry* entry, UniqueFd fd, int dir_fd,
                       const std::string& base, const std::string& path);
  Status make_directory(archive_entry* entry, int dir_fd, const std::string& base,
                        const std::string& path);
  Status make_hardlink(archive_entry* entry, int dir_fd, const std::string& base,
                       const std::string& path);
  Status make_node(archive_entry* entry, int dir_fd, const std::string& base,
                   const std::string& path, bool* skipped);
  Status remove_children_not_written(int dir_fd, const std::string& dir);
  Status finish_dirs();

  // The O_PATH fd of `dir`; regular files in a row reuse the last one.
  Result<int> parent_fd(const std::string& dir) {
    if (!cache_fd_ || cache_dir_ != dir) {
      cache_fd_ = SBX_TRY(open_or_make_dir(root_fd_, dir));
      cache_dir_ = dir;
    }
    return cache_fd_.get();
  }
  void forget_parent() { cache_fd_.reset(); }
  void note_written(const std::string& path) {
    if (options_.whiteouts == WhiteoutForm::kApply) written_.insert(path);
  }

  int root_fd_;
  const UnpackOptions& options_;
  std::vector<std::string>& warnings_;
  std::vector<DeferredDir> dirs_;
  std::unordered_set<std::string> written_;
  std::string cache_dir_;
  UniqueFd cache_fd_;
};

// `name` cleaned and moved from rebase->first to rebase->second, also set
// on the entry (with its hardlink target) for the steps after.
Result<std::string> Unpacker::rebase_entry(archive_entry* entry, const std::string& name) {
  const auto& [from, to] = *options_.rebase;
  auto move = [&](const std::string& raw) -> std::optional<std::string> {
    std::optional<std::string> clean = clean_entry_path(raw);
    if (!clean) return std::nullopt;
    if (*clean == from) return to;
    if (!from.empty() && !clean->starts_with(from + "/")) return std::nullopt;
    std::string rest = from.empty() ? *clean : clean->substr(from.size() + 1);
    return to.empty() ? rest : to + "/" + rest;
  };
  std::optional<std::string> moved = move(name);
  if (!moved) return fail("the archive holds more than \"" + from + "\"", EINVAL);
  archive_entry_set_pathname(entry, moved->c_str());
  if (archive_entry_hardlink(entry) || archive_entry_hardlink_utf8(entry)) {
    std::optional<std::string> target = move(entry_hardlink(entry));
    if (!target)
      return fail("hardlink to \"" + entry_hardlink(entry) + "\" outside the copy", EXDEV);
    archive_entry_set_hardlink(entry, target->c_str());
  }
  return moved->empty() ? std::string(".") : *moved;
}

Status Unpacker::unpack_entry(LayerArchive& archive, archive_entry* entry,
                              const std::string& name) {
  if (name.empty()) return fail("an entry has no name", EINVAL);
  if (options_.whiteouts == WhiteoutForm::kLiteral) {
    std::optional<std::string> clean = clean_entry_path(name);
    if (!clean) return fail("path escapes the destination (\"..\" above its root)", EXDEV);
    return unpack_normal(archive, entry, *clean);
  }
  std::optional<ClassifiedEntry> classified = classify_entry(name);
  if (!classified) {
    if (!clean_entry_path(name))
      return fail("path escapes the layer (\"..\" above its root)", EXDEV);
    // aufs keeps its own ".wh..wh.*" bookkeeping in layers; it means nothing
    // here. Any other ".wh." name that names no file is malformed.
    if (split_parent(*clean_entry_path(name)).second.starts_with(".wh..wh.")) {
      warnings_.push_back("skipped " + name + ": aufs whiteout metadata");
      return {};
    }
    return fail("malformed whiteout name", EINVAL);
  }
  switch (classified->kind) {
    case EntryKind::kWhiteout:
      forget_parent();
      return make_whiteout(classified->target);
    case EntryKind::kOpaque:
      forget_parent();
      return make_opaque(classified->target);
    case EntryKind::kNormal:
      break;
  }
  return unpack_normal(archive, entry, classified->target);
}

Status Unpacker::unpack_normal(LayerArchive& archive, archive_entry* entry,
                               const std::string& path) {
  mode_t type = archive_entry_filetype(entry);
  bool is_hardlink = archive_entry_hardlink(entry) || archive_entry_hardlink_utf8(entry);
  if (path.empty()) {
    if (type == AE_IFDIR && !is_hardlink) return {};  // the layer root: keep dest's own
    return fail("cannot replace the layer root with a non-directory", EINVAL);
  }
  if (type != AE_IFREG || is_hardlink) forget_parent();
  auto [dir, base] = split_parent(path);
  int dir_fd = SBX_TRY(parent_fd(dir));
  if (type == AE_IFREG && !is_hardlink) {
    // Most files are new: creating first saves the lookup below for them.
    int raw = create_file(dir_fd, base);
    if (raw >= 0) {
      note_written(path);
      return write_regular(archive, entry, UniqueFd(raw), dir_fd, base, path);
    }
    if (errno != EEXIST) return fail_errno("create", path);
  }

  struct stat existing;
  bool exists = ::fstatat(dir_fd, base.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !(S_ISDIR(existing.st_mode) && type == AE_IFDIR && !is_hardlink)) {
    bool new_is_dir = type == AE_IFDIR && !is_hardlink;
    if (options_.keep_existing_types && S_ISDIR(existing.st_mode) != new_is_dir) {
      return fail(new_is_dir ? "cannot overwrite a non-directory with a directory"
                             : "cannot overwrite a directory with a non-directory",
                  new_is_dir ? ENOTDIR : EISDIR);
    }
    if (is_hardlink && clean_entry_path(entry_hardlink(entry)) == path) return {};
    SBX_TRY(remove_tree_at(dir_fd, base));
    if (S_ISDIR(existing.st_mode) || S_ISLNK(existing.st_mode)) {
      forget_parent();  // the cached path may have resolved through it
      dir_fd = SBX_TRY(parent_fd(dir));
    }
  }
  note_written(path);
  if (is_hardlink) return make_hardlink(entry, dir_fd, base, path);
  return make_entry(archive, entry, dir_fd, base, path);
}

Status Unpacker::make_entry(LayerArchive& archive, archive_entry* entry, int dir_fd,
                            const std::string& base, const std::string& path) {
  MetadataOptions meta{options_.ignore_ownership};
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG: {
      int raw = create_file(dir_fd, base);
      if (raw < 0) return fail_errno("create", path);
      return write_regular(archive, entry, UniqueFd(raw), dir_fd, base, path);
    }
    case AE_IFDIR:
      return make_directory(entry, dir_fd, base, path);
    case AE_IFLNK: {
      std::string target = entry_symlink(entry);
      // Written as they are: they are only ever followed confined to a root.
      if (::symlinkat(target.c_str(), dir_fd, base.c_str()) != 0)
        return fail_errno("symlink", path);
      SBX_TRY(apply_owner(dir_fd, base, -1, entry, meta, path));
      return apply_times(dir_fd, base, -1, entry, path);
    }
    case AE_IFIFO:
    case AE_IFCHR:
    case AE_IFBLK: {
      bool skipped = false;
      SBX_TRY(make_node(entry, dir_fd, base, path, &skipped));
      if (skipped) return {};
      SBX_TRY(apply_owner(dir_fd, base, -1, entry, meta, path));
      SBX_TRY(apply_mode(dir_fd, base, -1, archive_entry_perm(entry), path));
      return apply_times(dir_fd, base, -1, entry, path);
    }
    default:
      warnings_.push_back("skipped " + path + ": unsupported file type");
      return {};
  }
}

Status Unpacker::write_regular(LayerArchive& archive, archive_entry* entry, UniqueFd fd, int dir_fd,
                               const std::string& base, const std::string& path) {
  SBX_TRY(archive.write_data_to(fd.get(), archive_entry_size(entry), path));
  SBX_TRY(apply_owner(dir_fd, base, fd.get(), entry, {options_.ignore_ownership}, path));
  SBX_TRY(apply_mode(dir_fd, base, fd.get(), archive_entry_perm(entry), path));
  apply_xattrs(fd.get(), entry, path, warnings_);
  return apply_times(dir_fd, base, fd.get(), entry, path);
}

Status Unpacker::make_directory(archive_entry* entry, int dir_fd, const std::string& base,
                                const std::string& path) {
  if (::mkdirat(dir_fd, base.c_str(), 0700) != 0 && errno != EEXIST)
    return fail_errno("mkdir", path);
  int raw = ::openat(dir_fd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) return fail_errno("open", path);
  UniqueFd fd(raw);
  SBX_TRY(apply_owner(dir_fd, base, fd.get(), entry, {options_.ignore_ownership}, path));
  apply_xattrs(fd.get(), entry, path, warnings_);
  DeferredDir deferred{path, archive_entry_perm(entry)};
  deferred.times[1] = archive_entry_mtime_is_set(entry)
                          ? timespec{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}
                          : timespec{0, UTIME_OMIT};
  deferred.times[0] = deferred.times[1];
  dirs_.push_back(std::move(deferred));
  return {};
}

Status Unpacker::make_hardlink(archive_entry* entry, int dir_fd, const std::string& base,
                               const std::string& path) {
  std::string link = entry_hardlink(entry);
  std::optional<std::string> target = clean_entry_path(link);
  if (!target || target->empty())
    return fail("hardlink to \"" + link + "\" points outside the layer", EXDEV);
  auto [target_dir, target_base] = split_parent(*target);
  // Resolved within the layer (never created): a link can only reach a file
  // this layer already holds.
  int raw = open_in_root_raw(root_fd_, target_dir, O_PATH | O_DIRECTORY);
  UniqueFd target_dir_fd(raw);
  if (raw >= 0 && ::linkat(raw, target_base.c_str(), dir_fd, base.c_str(), 0) == 0) return {};
  int err = raw < 0 ? -raw : errno;
  if (err == ENOENT || err == ENOTDIR)
    return fail("hardlink to \"" + link + "\": the target is not in this layer", err);
  return fail_errno("link", path + " to " + *target, err);
}

Status Unpacker::make_node(archive_entry* entry, int dir_fd, const std::string& base,
                           const std::string& path, bool* skipped) {
  mode_t type = archive_entry_filetype(entry);
  dev_t device = type == AE_IFIFO ? 0 : archive_entry_rdev(entry);
  if (type == AE_IFCHR && device == makedev(0, 0)) {
    // Created, it would act as an overlay whiteout and silently delete the
    // file of a lower layer; whiteouts come only from ".wh." names.
    *skipped = true;
    warnings_.push_back("skipped device node " + path +
                        " (c 0:0): it would act as an overlay whiteout");
    return {};
  }
  if (::mknodat(dir_fd, base.c_str(), static_cast<mode_t>(type) | 0600, device) == 0) return {};
  if (type != AE_IFIFO && (errno == EPERM || errno == EACCES)) {
    *skipped = true;
    warnings_.push_back("skipped device node " + path + " (" + (type == AE_IFCHR ? "c" : "b") +
                        " " + std::to_string(major(device)) + ":" + std::to_string(minor(device)) +
                        "): device nodes cannot be created in an unprivileged user namespace");
    return {};
  }
  return fail_errno("mknod", path);
}

Status Unpacker::make_whiteout(const std::string& path) {
  auto [dir, base] = split_parent(path);
  if (options_.whiteouts == WhiteoutForm::kApply) {
    int fd = open_in_root_raw(root_fd_, dir, O_PATH | O_DIRECTORY);
    if (fd == -ENOENT || fd == -ENOTDIR) return {};  // nothing below to hide
    if (fd < 0) return fail_errno("openat2", dir, -fd);
    UniqueFd dir_fd(fd);
    return remove_tree_at(dir_fd.get(), base);
  }
  auto opened = open_or_make_dir(root_fd_, dir);
  // Below a file or symlink of this layer nothing of the lower layers shows
  // anyway (umoci writes such whiteouts after a dir became a file).
  if (!opened && opened.error().errno_value() == ENOTDIR) return {};
  UniqueFd dir_fd = SBX_TRY(std::move(opened));
  SBX_TRY(remove_tree_at(dir_fd.get(), base));
  // overlayfs whiteout: a 0/0 char device (unprivileged users may make it
  // since Linux 5.8).
  if (::mknodat(dir_fd.get(), base.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
    return fail_errno("mknod whiteout", path);
  return {};
}

Status Unpacker::make_opaque(const std::string& dir) {
  auto opened = open_or_make_dir(root_fd_, dir);
  if (!opened && opened.error().errno_value() == ENOTDIR) return {};  // as in make_whiteout
  UniqueFd path_fd = SBX_TRY(std::move(opened));
  int raw = ::openat(path_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (raw < 0) return fail_errno("open", dir.empty() ? "." : dir);
  UniqueFd fd(raw);
  if (options_.whiteouts == WhiteoutForm::kApply) return remove_children_not_written(fd.get(), dir);
  if (::fsetxattr(fd.get(), "user.overlay.opaque", "y", 1, 0) != 0) {
    return fail(Error::from_errno("setxattr user.overlay.opaque", dir.empty() ? "." : dir)
                    .with_hint("the store's file system must support user xattrs for overlay"));
  }
  // Honoured by overlay mounted without `userxattr`; only root may set it.
  (void)::fsetxattr(fd.get(), "trusted.overlay.opaque", "y", 1, 0);
  return {};
}

Status Unpacker::remove_children_not_written(int dir_fd, const std::string& dir) {
  std::vector<std::string> names = SBX_TRY(entry_names_at(dir_fd));
  for (const std::string& name : names) {
    std::string child = dir.empty() ? name : dir + "/" + name;
    if (!written_.contains(child)) {
      SBX_TRY(remove_tree_at(dir_fd, name));
      continue;
    }
    int raw = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (raw < 0) continue;  // a file of this layer
    UniqueFd sub(raw);
    SBX_TRY(remove_children_not_written(sub.get(), child));
  }
  forget_parent();
  return {};
}

Status Unpacker::finish_dirs() {
  forget_parent();
  // Deepest first, so setting a parent read-only never blocks a child.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    int raw = open_in_root_raw(root_fd_, it->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (raw == -ENOENT || raw == -ENOTDIR || raw == -ELOOP) continue;  // replaced later
    if (raw < 0) return fail_errno("open", it->path, -raw);
    UniqueFd fd(raw);
    if (::fchmod(fd.get(), it->mode & 07777) != 0) return fail_errno("chmod", it->path);
    if (::futimens(fd.get(), it->times) != 0) return fail_errno("utimensat", it->path);
  }
  return {};
}

std::string layer_label(const std::filesystem::path& blob, std::string_view layer_name) {
  return "layer " + (layer_name.empty() ? blob.native() : std::string(layer_name));
}

}  // namespace

Status unpack_layer(const std::filesystem::path& blob, const std::filesystem::path& dest_dir,
                    const UnpackOptions& options, std::vector<std::string>& warnings) {
  std::string label = layer_label(blob, options.layer_name);
  int raw = ::open(dest_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (raw < 0) return fail(std::move(Error::from_errno("open", dest_dir.native())).context(label));
  UniqueFd root(raw);
  LayerArchive archive = SBX_TRY_CTX(LayerArchive::open(blob), label);
  Unpacker unpacker(root.get(), options, warnings);
  Status status = unpacker.unpack_all(archive);
  if (!status) {
    Error error = std::move(status.error()).context(label);
    if (error.errno_value() == ENOSPC)
      (void)std::move(error).with_hint("free disk space in " + dest_dir.native() +
                                       " and pull again");
    return fail(std::move(error));
  }
  return {};
}

}  // namespace sbx::rootfs
