// Lookups for the commands that fall back to something else (this user's
// sandbox scopes) when the store does not know a name: a store that cannot
// be opened and a name it cannot resolve both mean "not here".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "sandbox/containers/records.hpp"

namespace sbx::containers {

inline std::optional<Containers> open_quietly(const std::filesystem::path& store_root) {
  auto opened = Containers::open(store_root);
  if (!opened) return std::nullopt;
  return std::move(*opened);
}

inline std::optional<std::string> resolve_quietly(const std::optional<Containers>& containers,
                                                  const std::string& name) {
  if (!containers) return std::nullopt;
  auto id = containers->resolve(name);
  if (!id) return std::nullopt;
  return std::move(*id);
}

}  // namespace sbx::containers
