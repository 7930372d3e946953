// `cp`: the source side writes a tar (rootfs::write_tree), staged in a file
// under the store, and the destination side unpacks it with the layer
// unpacker, confined to the directory it lands in. Inside the container both
// run in a worker (ContainerRoot) on paths resolved in the container's root;
// on the host they run as the caller.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container_root.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/copy.hpp"
#include "sandbox/rootfs/root_path.hpp"
#include "sandbox/rootfs/tar_writer.hpp"
#include "sandbox/rootfs/unpack.hpp"

namespace sbx::containers {

namespace fs = std::filesystem;

namespace {

// The name the top entry of a staged tar from the host has (renamed on
// unpacking): the source's own name, which errors then show.
std::string staged_top(const std::string& base) {
  return base.empty() || base == "." || base == ".." ? "top" : base;
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

DestKind kind_of(const std::optional<struct stat>& st) {
  if (!st) return DestKind::kMissing;
  return S_ISDIR(st->st_mode) ? DestKind::kDirectory : DestKind::kFile;
}

// A staged tar in the store's tmp dir, removed with it.
struct Staging {
  TempDir dir;
  UniqueFd fd;
};

Result<Staging> make_staging(const store::Store& store) {
  SBX_TRY(make_dirs(store.root() / "tmp", 0700));
  TempDir dir = SBX_TRY(TempDir::create(store.root() / "tmp", "cp-"));
  Staging staging{std::move(dir), {}};
  staging.fd = SBX_TRY(
      open_file(staging.dir.path() / "copy.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  return staging;
}

Status copy_stream(int in_fd, int out_fd) {
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = ::read(in_fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read", "standard input");
    if (n == 0) return {};
    SBX_TRY(write_all(out_fd, std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
}

// `path` in the container's root; a missing directory on the way is said
// as a missing path of that container.
Result<rootfs::RootEntry> find_in_container(int root_fd, const std::string& container,
                                            const std::string& path, bool follow) {
  auto entry = rootfs::resolve_in_root(root_fd, path, follow);
  if (!entry && entry.error().errno_value() == ENOENT)
    return fail(Error("no such file or directory in container " + container + ": " + path + " (" +
                          entry.error().message() + ")",
                      ENOENT));
  return entry;
}

rootfs::UnpackOptions cp_unpack_options() {
  rootfs::UnpackOptions options;
  options.whiteouts = rootfs::WhiteoutForm::kLiteral;
  options.keep_existing_types = true;
  options.layer_name = "archive";
  return options;
}

// The host side of a copy out: DEST's kind and the directory the tar is
// unpacked in (DEST itself when it is one, else its parent, which must exist).
struct HostDest {
  DestKind kind = DestKind::kMissing;
  fs::path extract_dir;
};

Result<HostDest> host_dest(const std::string& dest) {
  HostDest out;
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0)
    out.kind = S_ISDIR(st.st_mode) ? DestKind::kDirectory : DestKind::kFile;
  else if (errno != ENOENT)
    return fail_errno("stat", dest);
  if (out.kind == DestKind::kDirectory) {
    out.extract_dir = dest;
    return out;
  }
  std::string trimmed = dest;
  while (trimmed.size() > 1 && trimmed.ends_with('/')) trimmed.pop_back();
  out.extract_dir = fs::path(trimmed).parent_path();
  if (out.extract_dir.empty()) out.extract_dir = ".";
  if (!fs::is_directory(out.extract_dir))
    return fail(
        Error("destination directory " + out.extract_dir.native() + " does not exist", ENOENT));
  return out;
}

// Container to host (or to a tar on `out_fd` for "-"): the worker names the
// tar's top entry by the placement rules, the caller unpacks it as itself.
Result<std::vector<std::string>> copy_out(const store::Store& store, const CopyArg& src,
                                          const std::string& dest, const CopyOptions& options,
                                          int out_fd) {
  bool to_stream = dest == "-";
  HostDest target{DestKind::kDirectory, {}};
  if (!to_stream) target = SBX_TRY(host_dest(dest));
  ContainerRoot root = SBX_TRY(ContainerRoot::open(store, src.container));
  SBX_TRY(root.check_reachable(src.path));
  std::optional<Staging> staging;
  if (!to_stream) staging = SBX_TRY(make_staging(store));
  int tar_fd = to_stream ? out_fd : staging->fd.get();
  auto body = [&](int root_fd, std::vector<std::string>&) -> Status {
    rootfs::RootEntry entry =
        SBX_TRY(find_in_container(root_fd, root.name(), src.path, options.follow_link));
    if (!entry.st)
      return fail(
          Error("no such file or directory in container " + root.name() + ": " + src.path, ENOENT));
    bool is_dir = S_ISDIR(entry.st->st_mode);
    CopyPlacement place = SBX_TRY(place_copy(src.path, is_dir, dest, target.kind));
    rootfs::TarWriter writer = SBX_TRY(rootfs::TarWriter::open(tar_fd));
    SBX_TRY(rootfs::write_tree(writer, entry.parent.get(), entry.base, *entry.st, place.name));
    return writer.close();
  };
  SBX_TRY(root.run(body));
  std::vector<std::string> warnings;
  if (to_stream) return warnings;
  rootfs::UnpackOptions unpack = cp_unpack_options();
  unpack.ignore_ownership = true;
  unpack.owner = {::getuid(), ::getgid()};
  SBX_TRY(rootfs::unpack_layer(fd_path(staging->fd.get()), target.extract_dir, unpack, warnings));
  return warnings;
}

// The host source of a copy in, staged as a tar whose top entry is
// staged_top(its name); returns that name and whether it is a directory.
Result<std::pair<std::string, bool>> stage_host_source(const std::string& src, bool follow,
                                                       int tar_fd) {
  std::string trimmed = src;
  while (trimmed.size() > 1 && trimmed.ends_with('/')) trimmed.pop_back();
  fs::path path(trimmed);
  fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string base = path.filename().native();
  if (base.empty() || base == "." || base == "..") {  // "DIR/.", ".", "/"
    parent = path;
    base = ".";
  }
  UniqueFd dir = SBX_TRY(open_file(parent, O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat st;
  if (::fstatat(dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("stat", src);
  if (follow && S_ISLNK(st.st_mode)) {
    // -L: a link as SRC is copied as what it points to.
    std::error_code ec;
    fs::path real = fs::canonical(path, ec);
    if (ec) return fail("resolve " + src + ": " + ec.message(), ec.value());
    bool is_root = real == "/";
    dir = SBX_TRY(open_file(is_root ? real : real.parent_path(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    base = is_root ? "." : real.filename().native();
    if (::fstatat(dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat", real.native());
  }
  rootfs::TarWriter writer = SBX_TRY(rootfs::TarWriter::open(tar_fd));
  SBX_TRY(rootfs::write_tree(writer, dir.get(), base, st, staged_top(base)));
  SBX_TRY(writer.close());
  return std::pair{staged_top(base), S_ISDIR(st.st_mode)};
}

// Host (or a tar on `in_fd` for "-") to the container: the tar is staged
// first, then the worker places and unpacks it in the container's root.
Result<std::vector<std::string>> copy_in(const store::Store& store, const std::string& src,
                                         const CopyArg& dest, const CopyOptions& options,
                                         int in_fd) {
  bool from_stream = src == "-";
  Staging staging = SBX_TRY(make_staging(store));
  std::pair<std::string, bool> top{"", true};  // the staged top entry, a directory?
  if (from_stream)
    SBX_TRY_CTX(copy_stream(in_fd, staging.fd.get()), "read the archive");
  else
    top = SBX_TRY(stage_host_source(src, options.follow_link, staging.fd.get()));
  ContainerRoot root = SBX_TRY(ContainerRoot::open(store, dest.container));
  SBX_TRY(root.check_reachable(dest.path));
  auto body = [&](int root_fd, std::vector<std::string>& warnings) -> Status {
    rootfs::RootEntry entry = SBX_TRY(find_in_container(root_fd, root.name(), dest.path, true));
    DestKind kind = kind_of(entry.st);
    rootfs::UnpackOptions unpack = cp_unpack_options();
    if (!options.archive) unpack.owner = {0, 0};
    UniqueFd extract;
    if (from_stream) {
      if (kind != DestKind::kDirectory)
        return fail(Error("destination " + dest.path + " must be a directory", ENOTDIR));
    } else {
      CopyPlacement place = SBX_TRY(place_copy(src, top.second, dest.path, kind));
      // Not into DEST: the name is the one DEST resolved to in the container.
      unpack.rebase = {top.first, place.into_dest ? place.name : entry.base};
      if (!place.into_dest) extract = std::move(entry.parent);
    }
    if (!extract) extract = SBX_TRY(rootfs::open_dir_in_root(root_fd, entry.path));
    return rootfs::unpack_layer(fd_path(staging.fd.get()), fd_path(extract.get()), unpack,
                                warnings);
  };
  return root.run(body);
}

}  // namespace

Result<std::vector<std::string>> copy_files(const store::Store& store, std::string_view src,
                                            std::string_view dest, const CopyOptions& options,
                                            int in_fd, int out_fd) {
  CopyArg from = parse_copy_arg(src);
  CopyArg to = parse_copy_arg(dest);
  if (!from.container.empty() && !to.container.empty())
    return fail(Error("copying between containers is not supported", EINVAL)
                    .with_hint("copy to the host first, then into the other container"));
  if (from.container.empty() && to.container.empty())
    return fail(
        Error("one of SRC and DEST must be CONTAINER:PATH", EINVAL)
            .with_hint("sandbox cp CONTAINER:/path ./here, or sandbox cp ./file CONTAINER:/dir"));
  const CopyArg& inside = from.container.empty() ? to : from;
  if (inside.path.empty())
    return fail(Error("\"" + inside.container + ":\": the path in the container is empty", EINVAL));
  std::string label = "cp " + std::string(src) + " " + std::string(dest);
  if (!from.container.empty())
    return with_context(copy_out(store, from, to.path, options, out_fd), label);
  return with_context(copy_in(store, from.path, to, options, in_fd), label);
}

}  // namespace sbx::containers
