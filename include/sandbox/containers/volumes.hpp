// Named volumes in the store: <store>/volumes/<name>/{volume.json,_data/}.
// A volume's files are owned through the container's id map (container root
// = the user), as the layers are. The containers module owns volumes because
// "in use" and "dangling" are questions about container specs.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {

struct VolumeInfo {
  std::string name;
  std::string mountpoint;  // the host dir that is mounted: <store>/volumes/<name>/_data
  std::string created_at;  // RFC 3339
  std::map<std::string, std::string> labels;
  bool anonymous = false;  // made for `-v /path`; goes with `rm -v` and `run --rm`
  bool populated = false;  // filled from an image already (or not to be filled)
};

struct VolumeCreate {
  std::string name;  // "" = a random 64-hex name
  std::map<std::string, std::string> labels;
  bool anonymous = false;
};

// ls --filter: name=SUBSTRING, label=KEY[=VALUE], dangling=true|false; the
// same key given twice matches either value, different keys must all match.
struct VolumeFilter {
  std::map<std::string, std::vector<std::string>> terms;
};
Result<VolumeFilter> parse_volume_filters(const std::vector<std::string>& filters);
bool volume_matches(const VolumeFilter& filter, const VolumeInfo& volume, bool in_use);

// KEY=VALUE (or KEY alone: an empty value) from --label.
Result<std::map<std::string, std::string>> parse_labels(const std::vector<std::string>& labels);

class Volumes {
 public:
  static Result<Volumes> open(const std::filesystem::path& store_root);

  // Fails when `name` exists (docker prints the name again; so does the CLI).
  Result<VolumeInfo> create(const VolumeCreate& request) const;
  // The volume, made when missing (`-v NAME:/path` on first use).
  Result<VolumeInfo> ensure(const std::string& name) const;
  Result<VolumeInfo> inspect(const std::string& name) const;
  // Sorted by name; those that match `filter` (dangling= looks at the containers).
  Result<std::vector<VolumeInfo>> list(const VolumeFilter& filter = {}) const;
  // Ids of the containers whose spec mounts `name`.
  Result<std::vector<std::string>> users(const std::string& name) const;
  // Refuses a volume some container mounts; `missing_ok` (rm -f) ignores an unknown name.
  Status remove(const std::string& name, bool missing_ok) const;
  // Removes the volumes no container mounts that match `filter`; their names.
  Result<std::vector<std::string>> prune(const VolumeFilter& filter) const;
  Status mark_populated(const std::string& name) const;
  // Held while volumes are made, removed or checked for use.
  Result<FileLock> lock() const;

  std::filesystem::path dir() const { return store_root_ / "volumes"; }

 private:
  explicit Volumes(std::filesystem::path store_root) : store_root_(std::move(store_root)) {}
  Result<VolumeInfo> read(const std::string& name) const;
  Status write(const VolumeInfo& info) const;
  Result<VolumeInfo> create_locked(const VolumeCreate& request) const;
  Status remove_locked(const std::string& name) const;
  Result<std::map<std::string, int>> use_counts() const;
  std::filesystem::path store_root_;
};

// Gives every anonymous volume mount of `spec` a fresh name and creates the
// volumes (anonymous); call before the spec is recorded.
Status name_anonymous_volumes(const Volumes& volumes, ContainerSpec& spec);
// rm -v and --rm: removes the anonymous volumes `spec` mounts that no other
// container mounts. Best effort per volume; the first error is returned.
Status remove_anonymous_volumes(const Volumes& volumes, const ContainerSpec& spec);

}  // namespace sbx::containers
