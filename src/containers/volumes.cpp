// Named volumes: records under <store>/volumes, the in-use check against the
// container specs, removal through the store's trash.
#include "sandbox/containers/volumes.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sandbox/images/tree_remover.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kRecord = "volume.json";
constexpr const char* kData = "_data";

Status check_name(const std::string& name) {
  if (!valid_volume_name(name))
    return fail(Error("invalid volume name '" + name + "'")
                    .with_hint("use [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters"));
  return {};
}

json to_json(const VolumeInfo& v) {
  return {{"name", v.name},
          {"created_at", v.created_at},
          {"labels", v.labels},
          {"anonymous", v.anonymous},
          {"populated", v.populated}};
}

bool label_matches(const std::string& term, const VolumeInfo& v) {
  size_t eq = term.find('=');
  auto it = v.labels.find(term.substr(0, eq));
  if (it == v.labels.end()) return false;
  return eq == std::string::npos || it->second == term.substr(eq + 1);
}

}  // namespace

Result<std::map<std::string, std::string>> parse_labels(const std::vector<std::string>& labels) {
  std::map<std::string, std::string> out;
  for (const auto& l : labels) {
    size_t eq = l.find('=');
    if (eq == 0 || l.empty()) return fail("invalid label '" + l + "': the key is empty");
    out[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  return out;
}

Result<VolumeFilter> parse_volume_filters(const std::vector<std::string>& filters) {
  VolumeFilter f;
  for (const auto& text : filters) {
    size_t eq = text.find('=');
    std::string key = text.substr(0, eq);
    if (eq == std::string::npos || (key != "name" && key != "label" && key != "dangling"))
      return fail(Error("invalid filter '" + text + "'")
                      .with_hint("use name=NAME, label=KEY[=VALUE] or dangling=true|false"));
    std::string value = text.substr(eq + 1);
    if (key == "dangling" && value != "true" && value != "false" && value != "1" && value != "0")
      return fail("invalid filter '" + text + "': dangling takes true or false");
    f.terms[key].push_back(value);
  }
  return f;
}

bool volume_matches(const VolumeFilter& filter, const VolumeInfo& v, bool in_use) {
  for (const auto& [key, values] : filter.terms) {
    auto one = [&](const std::string& value) {
      if (key == "name") return v.name.find(value) != std::string::npos;
      if (key == "label") return label_matches(value, v);
      bool dangling = value == "true" || value == "1";
      return dangling == !in_use;
    };
    if (key == "label" ? !std::ranges::all_of(values, one) : !std::ranges::any_of(values, one))
      return false;
  }
  return true;
}

Result<Volumes> Volumes::open(const fs::path& store_root) {
  Volumes v(store_root);
  SBX_TRY(make_dirs(v.dir(), 0700));
  return v;
}

Result<FileLock> Volumes::lock() const {
  return FileLock::acquire(dir() / ".lock", FileLock::Mode::kExclusive);
}

Result<VolumeInfo> Volumes::read(const std::string& name) const {
  SBX_TRY(check_name(name));
  auto text = read_file(dir() / name / kRecord);
  if (!text) {
    if (text.error().errno_value() == ENOENT)
      return fail(Error("no such volume: " + name).with_hint("list them with sandbox volume ls"));
    return fail(std::move(text.error()));
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail("volume " + name + ": " + (dir() / name / kRecord).string() + " is not JSON");
  VolumeInfo v;
  v.name = name;
  v.mountpoint = (dir() / name / kData).string();
  v.created_at = j.value("created_at", "");
  v.anonymous = j.value("anonymous", false);
  v.populated = j.value("populated", false);
  if (auto l = j.find("labels"); l != j.end() && l->is_object())
    for (const auto& [k, value] : l->items())
      if (value.is_string()) v.labels[k] = value.get<std::string>();
  return v;
}

Status Volumes::write(const VolumeInfo& info) const {
  return write_file_atomic(dir() / info.name / kRecord, to_json(info).dump(2) + "\n", 0600);
}

Result<VolumeInfo> Volumes::create_locked(const VolumeCreate& request) const {
  VolumeInfo v;
  v.name = request.name.empty() ? SBX_TRY(new_random_id()) : request.name;
  SBX_TRY(check_name(v.name));
  if (path_exists(dir() / v.name))
    return fail(Error("volume " + v.name + " already exists")
                    .with_hint("choose another name, or remove it: sandbox volume rm " + v.name));
  v.labels = request.labels;
  v.anonymous = request.anonymous;
  v.created_at = now_rfc3339();
  v.mountpoint = (dir() / v.name / kData).string();
  // Made under a temporary name and renamed: a kill leaves no half volume.
  fs::path staging = dir() / (".new-" + v.name);
  std::error_code ec;
  fs::remove_all(staging, ec);
  SBX_TRY(make_dirs(staging / kData, 0755));
  SBX_TRY(write_file_atomic(staging / kRecord, to_json(v).dump(2) + "\n", 0600));
  if (::rename(staging.c_str(), (dir() / v.name).c_str()) != 0)
    return fail_errno("rename", (dir() / v.name).string());
  return v;
}

Result<VolumeInfo> Volumes::create(const VolumeCreate& request) const {
  auto held = SBX_TRY(lock());
  return with_context(create_locked(request), "volume create");
}

Result<VolumeInfo> Volumes::ensure(const std::string& name) const {
  auto held = SBX_TRY(lock());
  SBX_TRY(check_name(name));
  if (path_exists(dir() / name / kRecord)) return read(name);
  return create_locked({.name = name});
}

Result<VolumeInfo> Volumes::inspect(const std::string& name) const { return read(name); }

Result<std::vector<VolumeInfo>> Volumes::list(const VolumeFilter& filter) const {
  std::map<std::string, int> counts;
  if (filter.terms.contains("dangling")) counts = SBX_TRY(use_counts());
  std::vector<VolumeInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir(), ec)) {
    std::string name = entry.path().filename().string();
    if (!valid_volume_name(name) || !path_exists(entry.path() / kRecord)) continue;
    auto v = read(name);  // one being removed right now: not listed
    if (v && volume_matches(filter, *v, counts.contains(name))) out.push_back(std::move(*v));
  }
  if (ec) return fail(Error::from_errno("list", dir().string(), ec.value()));
  std::ranges::sort(out, {}, &VolumeInfo::name);
  return out;
}

Result<std::map<std::string, int>> Volumes::use_counts() const {
  auto containers = SBX_TRY(Containers::open(store_root_));
  std::map<std::string, int> counts;
  for (const auto& info : SBX_TRY(containers.list()))
    for (const auto& m : info.spec.mounts)
      if (m.type == MountType::kVolume && !m.source.empty()) ++counts[m.source];
  return counts;
}

Result<std::vector<std::string>> Volumes::users(const std::string& name) const {
  auto containers = SBX_TRY(Containers::open(store_root_));
  std::vector<std::string> ids;
  for (const auto& info : SBX_TRY(containers.list()))
    for (const auto& m : info.spec.mounts)
      if (m.type == MountType::kVolume && m.source == name) {
        ids.push_back(info.name.empty() ? info.id.substr(0, 12) : info.name);
        break;
      }
  return ids;
}

Status Volumes::remove_locked(const std::string& name) const {
  auto trashed = SBX_TRY(store::move_to_trash(store_root_, dir() / name));
  if (!trashed) return {};
  // Its files may belong to subordinate ids.
  return images::userns_tree_remover()({*trashed});
}

Status Volumes::remove(const std::string& name, bool missing_ok) const {
  auto held = SBX_TRY(lock());
  auto found = read(name);
  if (!found) {
    if (missing_ok && found.error().message().starts_with("no such volume")) return {};
    return fail(std::move(found.error()));
  }
  auto used_by = SBX_TRY(users(name));
  if (!used_by.empty())
    return fail(Error("volume " + name + " is in use by container " + used_by.front())
                    .with_hint("remove the container first: sandbox rm " + used_by.front()));
  return with_context(remove_locked(name), "remove volume " + name);
}

Result<std::vector<std::string>> Volumes::prune(const VolumeFilter& filter) const {
  auto held = SBX_TRY(lock());
  auto counts = SBX_TRY(use_counts());
  std::vector<std::string> removed;
  for (const auto& v : SBX_TRY(list())) {
    if (counts.contains(v.name) || !volume_matches(filter, v, false)) continue;
    SBX_TRY_CTX(remove_locked(v.name), "remove volume " + v.name);
    removed.push_back(v.name);
  }
  return removed;
}

Status Volumes::mark_populated(const std::string& name) const {
  auto held = SBX_TRY(lock());
  auto v = SBX_TRY(read(name));
  if (v.populated) return {};
  v.populated = true;
  return write(v);
}

Status name_anonymous_volumes(const Volumes& volumes, ContainerSpec& spec) {
  for (auto& m : spec.mounts) {
    if (m.type != MountType::kVolume || !m.source.empty()) continue;
    auto v = SBX_TRY_CTX(volumes.create({.anonymous = true}), "anonymous volume " + m.destination);
    m.source = v.name;
  }
  return {};
}

Status remove_anonymous_volumes(const Volumes& volumes, const ContainerSpec& spec) {
  Status first;
  for (const auto& m : spec.mounts) {
    if (m.type != MountType::kVolume || m.source.empty()) continue;
    auto v = volumes.inspect(m.source);
    if (!v || !v->anonymous) continue;
    auto removed = volumes.remove(m.source, true);
    if (!removed && first) first = std::move(removed);
  }
  return first;
}

}  // namespace sbx::containers
