#include "sandbox/containers/size.hpp"

namespace sbx::containers {

ContainerSize container_size(const store::Store& store, const ContainerInfo& info) {
  ContainerSize size;
  size.rw = store::visible_tree_bytes(info.store_dir / "upper");
  size.root_fs = size.rw;
  if (auto image = store.resolve(info.image_id)) size.root_fs += image->size();
  return size;
}

}  // namespace sbx::containers
