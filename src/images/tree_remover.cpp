#include "sandbox/images/tree_remover.hpp"

#include "sandbox/base/files.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::images {

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

}  // namespace sbx::images
