// `cp`'s argument forms and docker's placement rules: pure, unit-tested.
#include "sandbox/containers/copy.hpp"
#include "sandbox/rootfs/root_path.hpp"

namespace sbx::containers {

namespace {

// The last name of `path` ("" for "/" or ".").
std::string last_name(std::string_view path) {
  std::string clean = rootfs::clean_root_path(path);
  size_t slash = clean.rfind('/');
  return slash == std::string::npos ? clean : clean.substr(slash + 1);
}

bool names_contents(std::string_view src) { return src == "." || src.ends_with("/."); }

}  // namespace

CopyArg parse_copy_arg(std::string_view arg) {
  if (arg.starts_with('/')) return {"", std::string(arg)};
  size_t colon = arg.find(':');
  if (colon == std::string_view::npos || arg.substr(0, colon).starts_with('.'))
    return {"", std::string(arg)};
  return {std::string(arg.substr(0, colon)), std::string(arg.substr(colon + 1))};
}

Result<CopyPlacement> place_copy(std::string_view src, bool src_is_dir, std::string_view dest,
                                 DestKind dest_kind) {
  if (!src_is_dir && (src.ends_with('/') || names_contents(src)))
    return fail(Error(std::string(src) + ": not a directory", ENOTDIR));
  if (src_is_dir) {
    switch (dest_kind) {
      case DestKind::kFile:
        return fail(Error("cannot copy a directory to a file: " + std::string(dest), ENOTDIR));
      case DestKind::kDirectory:
        return CopyPlacement{true, names_contents(src) ? "" : last_name(src)};
      case DestKind::kMissing:
        return CopyPlacement{false, last_name(dest)};
    }
  }
  switch (dest_kind) {
    case DestKind::kDirectory:
      return CopyPlacement{true, last_name(src)};
    case DestKind::kFile:
      return CopyPlacement{false, last_name(dest)};
    case DestKind::kMissing:
      if (dest.ends_with('/'))
        return fail(
            Error("destination directory " + std::string(dest) + " does not exist", ENOENT));
      return CopyPlacement{false, last_name(dest)};
  }
  return fail(Error("unreachable", EINVAL));
}

}  // namespace sbx::containers
