// Removal in two steps: one rename out of the store's view, then the delete.
// A directory's existence in layers/ or containers/ may be taken as proof
// that it is whole (layer.json or config.json beside it): a recursive delete
// that a kill cuts short would break that, a rename cannot.
#include <sys/random.h>
#include <sys/stat.h>

#include <cstdio>

#include "sandbox/store/store.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {

// "<name>.<16 hex>": unique, and says what it was.
Result<std::string> trash_name(const fs::path& path) {
  uint64_t random = 0;
  if (::getrandom(&random, sizeof random, 0) != static_cast<ssize_t>(sizeof random))
    return fail_errno("getrandom", path.native());
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random));
  return path.filename().native() + "." + suffix;
}

}  // namespace

Result<std::optional<fs::path>> move_to_trash(const fs::path& store_root, const fs::path& path) {
  fs::path trash_dir = store_root / "tmp" / "trash";
  fs::path target = trash_dir / SBX_TRY(trash_name(path));
  // Twice: `image prune` may delete tmp/trash itself between mkdir and rename.
  for (int attempt = 0; attempt < 2; ++attempt) {
    SBX_TRY(make_dirs(trash_dir, 0700));
    if (::rename(path.c_str(), target.c_str()) == 0) return std::optional<fs::path>(target);
    struct stat st;
    if (errno == ENOENT && ::lstat(path.c_str(), &st) != 0) return std::optional<fs::path>();
    if (errno != ENOENT) break;
  }
  return fail_errno("rename", path.native() + " to " + target.native());
}

std::vector<fs::path> trash_of(const fs::path& store_root) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store_root / "tmp" / "trash", ec))
    entries.push_back(entry.path());
  return entries;
}

}  // namespace sbx::store
