// `sandbox system check`, the layers' part: their files belong to subordinate
// ids and are read as root of a user namespace with the store's maps.
#include <unistd.h>

#include <sys/random.h>
#include <sys/stat.h>

#include "sandbox/images/check.hpp"
#include "sandbox/rootfs/tree.hpp"
#include "sandbox/rootfs/unpack.hpp"
#include "sandbox/store/layer_digest.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::images {

namespace fs = std::filesystem;

namespace {

std::string describe(const rootfs::TreeStats& stats) {
  return std::to_string(stats.entries) + " names and " + std::to_string(stats.file_bytes) +
         " bytes of files";
}

// The user-namespace child reports a damaged layer as "DIFF_ID PROBLEM".
std::string layer_report(const image::Digest& diff_id, const std::string& problem) {
  return diff_id.str() + " " + problem;
}

void take_reports(const std::vector<std::string>& reports, store::StoreCheck& check) {
  for (const std::string& report : reports) {
    size_t space = report.find(' ');
    auto diff_id = image::Digest::parse(report.substr(0, space));
    if (diff_id && space != std::string::npos)
      check.layer_damaged(*diff_id, report.substr(space + 1));
  }
}

// Each layer's diff/ against what its unpack left (layer.json's entries and
// file_bytes; layers recorded before those were kept are only looked at).
Status measure_layers(const std::vector<store::LayerRecord>& layers, const store::Store& store,
                      std::vector<std::string>& reports) {
  for (const store::LayerRecord& layer : layers) {
    auto stats = rootfs::measure_tree(store.layer_diff_dir(layer.diff_id));
    if (!stats) {
      reports.push_back(layer_report(layer.diff_id, stats.error().message()));
      continue;
    }
    rootfs::TreeStats recorded{layer.entries, layer.file_bytes};
    if (layer.entries != 0 && *stats != recorded)
      reports.push_back(layer_report(layer.diff_id, "its diff/ holds " + describe(*stats) +
                                                        ", but " + describe(recorded) +
                                                        " were unpacked"));
  }
  return {};
}

Result<fs::path> scratch_dir(const store::Store& store) {
  uint64_t random = 0;
  if (::getrandom(&random, sizeof random, 0) != static_cast<ssize_t>(sizeof random))
    return fail_errno("getrandom", "");
  return store.root() / "tmp" / ("check-" + std::to_string(random));
}

// --full, for one layer: its blob against the diff id, then a fresh unpack of
// it (in the user namespace) compared with diff/ file by file.
Status verify_layer(const store::Store& store, const store::LayerRecord& layer,
                    const userns::IdMaps& maps, std::vector<std::string>& reports) {
  auto compression = image::layer_compression(layer.media_type);
  fs::path blob = store.blob_path(layer.digest);
  auto got = compression ? store::uncompressed_digest(blob, *compression)
                         : Result<store::UncompressedDigest>(fail(compression.error()));
  if (!got || got->digest != layer.diff_id) {
    reports.push_back(layer_report(
        layer.diff_id, got ? "its blob uncompresses to " + got->digest.str() + ", not its diff id"
                           : "its blob cannot be read: " + got.error().message()));
    return {};
  }
  fs::path scratch = SBX_TRY(scratch_dir(store));
  auto body = [&](std::vector<std::string>& out) -> Status {
    if (::mkdir(scratch.c_str(), 0700) != 0) return fail_errno("mkdir", scratch.native());
    std::vector<std::string> warnings;
    rootfs::UnpackOptions options;
    options.layer_name = layer.digest.str();
    Status unpacked = rootfs::unpack_layer(blob, scratch, options, warnings);
    auto difference = unpacked
                          ? rootfs::first_difference(store.layer_diff_dir(layer.diff_id), scratch)
                          : Result<std::optional<std::string>>(fail(unpacked.error()));
    (void)remove_tree(scratch);
    if (!difference) return fail(std::move(difference.error()));
    if (*difference) out.push_back(layer_report(layer.diff_id, "in its diff/, " + **difference));
    return {};
  };
  auto outcome = SBX_TRY(userns::run_in_user_namespace(maps, body));
  reports.insert(reports.end(), outcome.warnings.begin(), outcome.warnings.end());
  return {};
}

}  // namespace

Status check_layers(const store::Store& store, bool full,
                    const std::function<void(const std::string&)>& progress,
                    store::StoreCheck& check) {
  std::vector<store::LayerRecord> layers;
  for (const auto& [diff_id, layer] : check.layers()) layers.push_back(layer);
  if (layers.empty()) return {};
  std::vector<std::string> warnings;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, warnings));
  auto measured = SBX_TRY(userns::run_in_user_namespace(
      maps, [&](std::vector<std::string>& out) { return measure_layers(layers, store, out); }));
  take_reports(measured.warnings, check);
  if (!full) return {};
  size_t done = 0;
  for (const store::LayerRecord& layer : layers) {
    ++done;
    if (!check.layers().contains(layer.diff_id) || layer.digest.empty()) continue;
    progress("verifying layer " + std::to_string(done) + "/" + std::to_string(layers.size()) + " " +
             layer.diff_id.str() + " (" + std::to_string(layer.size) + " bytes)");
    std::vector<std::string> reports;
    SBX_TRY_CTX(verify_layer(store, layer, maps, reports), "verify layer " + layer.diff_id.str());
    take_reports(reports, check);
  }
  return {};
}

}  // namespace sbx::images
