// `diff`: the upper dir against the image's layers, read by a worker in the
// user namespace; the list comes back through a memfd ('\0'-separated).
#include <sys/mman.h>
#include <unistd.h>

#include "container_layers.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/copy.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::containers {

namespace {

Result<std::vector<rootfs::LayerChange>> diff_one(const store::Store& store,
                                                  std::string_view container) {
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  Containers containers = SBX_TRY(Containers::open(store.root()));
  std::string id = SBX_TRY(containers.resolve(container));
  ContainerInfo info = SBX_TRY(containers.info(id));
  std::vector<std::filesystem::path> layers = SBX_TRY(container_layers(store, info));
  if (layers.size() == 1 && layers.front() == info.store_dir / "rootfs")
    return fail(Error("diff of a container on the vfs storage driver is not supported", ENOTSUP)
                    .with_hint("sandbox export shows its files"));
  std::vector<std::filesystem::path> lowers(layers.begin() + 1, layers.end());
  UniqueFd out(::memfd_create("sandbox-diff", MFD_CLOEXEC));
  if (!out) return fail_errno("memfd_create", "sandbox-diff");
  std::vector<std::string> warnings;
  auto mode = info.spec.keep_id ? userns::Mode::kKeepId : userns::Mode::kDefault;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(mode, warnings));
  auto body = [&](std::vector<std::string>&) -> Status {
    auto changes = SBX_TRY(rootfs::upper_changes(layers.front(), lowers));
    std::string text;
    for (const auto& change : changes) text += std::string(1, change.kind) + change.path + '\0';
    return write_all(out.get(), text);
  };
  SBX_TRY(userns::run_in_user_namespace(maps, body));
  std::string text = SBX_TRY(read_file("/proc/self/fd/" + std::to_string(out.get())));
  std::vector<rootfs::LayerChange> changes;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\0', at);
    if (end == std::string::npos || end == at) break;
    changes.push_back({text[at], text.substr(at + 1, end - at - 1)});
    at = end + 1;
  }
  return changes;
}

}  // namespace

Result<std::vector<rootfs::LayerChange>> container_diff(const store::Store& store,
                                                        std::string_view container) {
  return with_context(diff_one(store, container), "diff " + std::string(container));
}

}  // namespace sbx::containers
