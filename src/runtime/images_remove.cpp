// Removals that may meet files owned by subordinate ids (unpacked layers,
// container upper dirs): the user cannot delete those directly, root of a
// user namespace with the same maps can.
#include <sys/stat.h>

#include "sandbox/runtime/container_state.hpp"
#include "sandbox/runtime/images.hpp"
#include "sandbox/runtime/lifecycle.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::runtime {

namespace fs = std::filesystem;

namespace {

Status remove_in_user_namespace(const std::vector<fs::path>& trees) {
  std::vector<std::string> warnings;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, warnings));
  auto body = [&](std::vector<std::string>&) -> Status {
    for (const fs::path& tree : trees) SBX_TRY(remove_tree(tree));
    return {};
  };
  SBX_TRY(userns::run_in_user_namespace(maps, body));
  return {};
}

// A store has these (or nothing at all): refuse to wipe a directory that
// is something else (`--root ~` by mistake).
bool looks_like_store(const fs::path& root) {
  std::error_code ec;
  if (fs::is_empty(root, ec)) return true;
  for (const char* marker : {"blobs", "layers", "images"})
    if (path_exists(root / marker)) return true;
  return false;
}

}  // namespace

store::TreeRemover userns_tree_remover() {
  return [](const std::vector<fs::path>& trees) -> Status {
    std::vector<fs::path> left;
    for (const fs::path& tree : trees)
      if (!remove_tree(tree)) left.push_back(tree);  // subordinate-owned files inside
    if (left.empty()) return {};
    return with_context(remove_in_user_namespace(left), "remove in the user namespace");
  };
}

namespace {

// Dirs that killed runs left record an image as in use, for good: they go
// first. Best effort (a runtime dir we cannot have must not stop an rmi).
void collect_abandoned_containers(const store::Store& store) {
  if (auto containers = Containers::open(store.root())) (void)containers->collect_abandoned();
}

}  // namespace

Result<store::RemoveResult> remove_image(const store::Store& store, std::string_view text,
                                         bool force) {
  collect_abandoned_containers(store);
  return store.remove_image(text, force, userns_tree_remover());
}

Result<store::PruneResult> prune_images(const store::Store& store, bool all) {
  collect_abandoned_containers(store);
  return store.prune(all, userns_tree_remover());
}

Status reset_store(const fs::path& root) {
  std::string what = "reset " + root.native();
  struct stat st;
  if (::lstat(root.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return fail(Error::from_errno("stat", root.native()).context(what));
  }
  if (!S_ISDIR(st.st_mode) || !looks_like_store(root))
    return fail(Error(what + ": " + root.native() + " does not look like a sandbox store")
                    .with_hint("check --root; only a directory with blobs/, layers/ or images/ "
                               "is removed"));
  // Its running containers go first, with their monitors: nothing may outlive
  // the store it belongs to.
  if (auto containers = Containers::open(root); containers && path_exists(root / "containers")) {
    for (const ContainerInfo& info : SBX_TRY_CTX(containers->list(), what))
      SBX_TRY_CTX(remove_container(*containers, info.id, true), what);
  }
  // Wait for nobody: a pull or prune running now would fail halfway.
  if (path_exists(root / "locks")) {
    FileLock gc =
        SBX_TRY_CTX(FileLock::try_acquire(root / "locks/gc", FileLock::Mode::kExclusive), what);
    if (!gc.holds())
      return fail(Error(what + ": another sandbox command is using the store")
                      .with_hint("wait for running pulls to finish, then try again"));
    return with_context(userns_tree_remover()({root}), what);
  }
  return with_context(userns_tree_remover()({root}), what);
}

}  // namespace sbx::runtime
