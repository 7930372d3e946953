// Image configs as registries and archives serve them. The first line is a
// `commit --change` instruction (the rest: the config). A config that parses
// must make a container spec without crashing, and committing on top of it
// must give a config that parses again with one more diff id.
#include <algorithm>

#include "fuzz_support.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/formats.hpp"

namespace {

using namespace sbx;

void check_config(const image::ImageConfig& config, std::string_view body) {
  SBX_FUZZ_CHECK(config.raw_json == body);
  SBX_FUZZ_CHECK(std::is_sorted(config.exposed_ports.begin(), config.exposed_ports.end()));
  containers::ImageDefaults defaults{config.env, config.entrypoint, config.cmd, config.working_dir,
                                     config.user};
  (void)containers::make_container_spec(defaults, containers::RunFlags{});
}

void check_commit(std::string_view change_line, std::string_view body,
                  const std::optional<image::ImageConfig>& parent) {
  std::vector<images::ConfigChange> changes;
  if (auto change = images::parse_config_change(change_line)) changes.push_back(*change);
  image::Digest diff_id = image::sha256_of(body);
  images::CommitInfo info{"2024-01-01T00:00:00Z", "fuzz", "a comment", "sandbox commit"};
  auto committed = images::committed_config_json(body, diff_id, info, changes);
  if (!committed || !parent) return;
  auto reparsed = image::parse_config(*committed);
  SBX_FUZZ_CHECK(reparsed.has_value());
  SBX_FUZZ_CHECK(reparsed->diff_ids.size() == parent->diff_ids.size() + 1);
  SBX_FUZZ_CHECK(reparsed->diff_ids.back() == diff_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [change_line, body] = fuzz::split_first_line(fuzz::as_text(data, size));
  std::optional<image::ImageConfig> parent;
  if (auto config = image::parse_config(body)) {
    check_config(*config, body);
    parent = std::move(*config);
  }
  check_commit(change_line, body, parent);
  return 0;
}
