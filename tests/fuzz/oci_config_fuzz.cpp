// A bundle's config.json (`sandbox-runtime create`): written by podman,
// containerd or a user. parse_config must return a value or an error, never
// throw; what it accepts holds the rules it promises.
#include <sched.h>

#include "fuzz_support.hpp"
#include "sandbox/oci/config.hpp"

namespace {

bool is_absolute(const std::string& path) { return !path.empty() && path.front() == '/'; }

void check_config(const sbx::oci::Config& config) {
  SBX_FUZZ_CHECK(!config.oci_version.empty());
  SBX_FUZZ_CHECK(!config.root.path.empty());
  SBX_FUZZ_CHECK(!config.process.args.empty());
  SBX_FUZZ_CHECK(is_absolute(config.process.cwd));
  for (const auto& mount : config.mounts) SBX_FUZZ_CHECK(is_absolute(mount.destination));
  for (const auto& limit : config.process.rlimits) SBX_FUZZ_CHECK(limit.soft <= limit.hard);
  int seen = 0;
  for (const auto& ns : config.linux.namespaces) {
    SBX_FUZZ_CHECK(!sbx::oci::namespace_name(ns.type).empty());
    SBX_FUZZ_CHECK((seen & ns.type) == 0);  // no namespace twice
    seen |= ns.type;
  }
  for (const auto& map : config.linux.uid_mappings) SBX_FUZZ_CHECK(map.count > 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = sbx::oci::parse_config(sbx::fuzz::as_text(data, size));
  if (config) check_config(*config);
  return 0;
}
