#include "sandbox/containers/maintenance.hpp"

#include <sys/stat.h>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/images/check.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/images/tree_remover.hpp"

namespace sbx::containers {

namespace fs = std::filesystem;

namespace {

// Dirs that killed runs left record an image as in use, for good: they go
// first. Best effort (a runtime dir we cannot have must not stop an rmi).
void collect_abandoned_containers(const store::Store& store) {
  if (auto containers = Containers::open(store.root())) (void)containers->collect_abandoned();
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

Result<store::RemoveResult> remove_image(const store::Store& store, std::string_view text,
                                         bool force) {
  collect_abandoned_containers(store);
  auto removed = SBX_TRY(store.remove_image(text, force, images::userns_tree_remover()));
  std::string image_id = removed.deleted.empty() ? "" : removed.deleted.front().str();
  for (const auto& name : removed.untagged)
    images::record_image_event(store, "untag", image_id, name);
  for (const auto& id : removed.deleted) images::record_image_event(store, "delete", id.str(), "");
  return removed;
}

Result<store::PruneResult> prune_images(const store::Store& store, bool all) {
  collect_abandoned_containers(store);
  return store.prune(all, images::userns_tree_remover());
}

Result<store::StoreCheck> check_store(const store::Store& store, bool full,
                                      const std::function<void(const std::string&)>& progress) {
  store::StoreCheck check = SBX_TRY(store::check_records(store, full));
  SBX_TRY_CTX(images::check_layers(store, full, progress, check), "check the layers' files");
  auto containers = SBX_TRY(Containers::open(store.root()));
  if (size_t left = SBX_TRY(containers.abandoned()).size(); left > 0)
    check.leftover("containers/", std::to_string(left) + " container dir(s) that killed runs left");
  return check;
}

Status repair_store(const store::Store& store, const store::StoreCheck& check) {
  SBX_TRY(store::repair_store(store, check.repair, images::userns_tree_remover()));
  return empty_trash(SBX_TRY(Containers::open(store.root())));
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
    return with_context(images::userns_tree_remover()({root}), what);
  }
  return with_context(images::userns_tree_remover()({root}), what);
}

}  // namespace sbx::containers
