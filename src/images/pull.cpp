// `sandbox pull`: manifest -> config -> layers (downloaded, verified and
// scanned concurrently, then unpacked two at a time in a user namespace) ->
// image record, last.
#include <ctime>

#include "layers.hpp"
#include "sandbox/image/registries_conf.hpp"
#include "sandbox/store/events.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::images {

namespace {

struct Resolved {
  image::Digest digest;  // what the reference points at (index or manifest)
  image::ImageManifest manifest;
  std::string manifest_body;
  bool from_index = false;
};

Result<Resolved> resolve_manifest(const image::RegistryClient& client,
                                  const image::Reference& reference, const PullOptions& options) {
  image::FetchedManifest top = SBX_TRY(client.fetch_manifest(reference.manifest_reference()));
  image::AnyManifest any = SBX_TRY(image::parse_any_manifest(top.body, top.media_type));
  Resolved resolved;
  resolved.digest = top.digest;
  if (auto* manifest = std::get_if<image::ImageManifest>(&any)) {
    resolved.manifest = std::move(*manifest);
    resolved.manifest_body = std::move(top.body);
    return resolved;
  }
  const auto& index = std::get<image::ImageIndex>(any);
  image::Platform wanted = options.platform.value_or(image::host_platform());
  image::Descriptor chosen = SBX_TRY(image::select_manifest(index, wanted));
  image::FetchedManifest child =
      SBX_TRY_CTX(client.fetch_manifest(chosen.digest.str()), "manifest for " + wanted.str());
  resolved.manifest =
      SBX_TRY_CTX(image::parse_manifest(child.body), "manifest " + chosen.digest.str());
  resolved.manifest_body = std::move(child.body);
  resolved.from_index = true;
  return resolved;
}

Result<image::ImageConfig> fetch_config(const store::Store& store,
                                        const image::RegistryClient& client,
                                        const image::Descriptor& config) {
  std::string body;
  // The same per-blob lock as layers: a concurrent pull of this image waits
  // and then reads what the first one stored.
  FileLock lock = SBX_TRY(store.lock_blob(config.digest));
  if (store.has_blob(config.digest)) {
    body = SBX_TRY(store.read_blob(config.digest, image::kMaxConfigBytes));
  } else {
    body = SBX_TRY(client.fetch_blob_bytes(config));
    SBX_TRY(store.write_blob(body));
  }
  return image::parse_config(body);
}

void warn_platform_mismatch(const image::ImageConfig& config, const PullOptions& options,
                            ProgressSink& progress) {
  image::Platform wanted = options.platform.value_or(image::host_platform());
  if (config.os.empty() || config.architecture.empty()) return;
  if (config.os == wanted.os && config.architecture == wanted.architecture) return;
  progress.warning("image platform (" + config.os + "/" + config.architecture +
                   ") does not match the expected platform (" + wanted.str() + ")");
}

// Pairs each layer blob with its diff id; keeps those not yet unpacked.
Result<std::vector<LayerToUnpack>> missing_layers(const store::Store& store,
                                                  const image::ImageManifest& manifest,
                                                  const image::ImageConfig& config,
                                                  ProgressSink& progress) {
  if (manifest.layers.size() != config.diff_ids.size())
    return fail("the manifest lists " + std::to_string(manifest.layers.size()) +
                " layers but the config " + std::to_string(config.diff_ids.size()) + " diff ids");
  std::vector<LayerToUnpack> missing;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const image::Descriptor& blob = manifest.layers[i];
    image::Compression compression =
        SBX_TRY_CTX(image::layer_compression(blob.media_type), "layer " + blob.digest.str());
    if (SBX_TRY(store.layer(config.diff_ids[i]))) {
      progress.blob(blob.digest, BlobEvent::kExists, 0, 0);
      continue;
    }
    missing.push_back({blob, config.diff_ids[i], compression});
  }
  return missing;
}

// Pulls from `source` (a mirror or registries.conf location) and records the
// image under `reference`, the name the user meant.
Result<PullResult> pull(const store::Store& store, const image::PullSource& source,
                        const image::Reference& reference, const PullOptions& options,
                        ProgressSink& progress) {
  // Held to the end: garbage collection waits for us.
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  image::RegistryOptions registry_options;
  registry_options.tls_verify = options.tls_verify && !source.insecure;
  if (options.auth_file) registry_options.auth_files = image::auth_file_only(*options.auth_file);
  image::RegistryClient client =
      SBX_TRY(image::RegistryClient::create(source.reference, registry_options));
  Resolved resolved = SBX_TRY(resolve_manifest(client, source.reference, options));
  progress.resolved(reference, resolved.digest);
  image::Digest manifest_digest = SBX_TRY(store.write_blob(resolved.manifest_body));
  const image::Descriptor& config_blob = resolved.manifest.config;
  image::ImageConfig config =
      SBX_TRY_CTX(fetch_config(store, client, config_blob), "config " + config_blob.digest.str());
  if (!resolved.from_index) warn_platform_mismatch(config, options, progress);
  std::vector<LayerToUnpack> missing =
      SBX_TRY(missing_layers(store, resolved.manifest, config, progress));
  // The ids are checked while downloading; unpack_layers reports the map's warnings.
  std::vector<std::string> map_warnings;
  userns::IdMaps maps;
  if (!missing.empty())
    maps = SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, map_warnings));
  SBX_TRY(download_layers(store, client, missing, maps, options.jobs, progress));
  SBX_TRY(unpack_layers(store, missing, progress));  // forks: no threads left

  store::ImageRecord record;
  record.id = config_blob.digest;
  record.manifest_digest = manifest_digest;
  record.manifest_media_type = resolved.manifest.media_type;
  record.layers = SBX_TRY(layer_records(store, config.diff_ids));
  record.os = config.os;
  record.architecture = config.architecture;
  record.variant = config.variant;
  record.created = config.created;
  record.stored_at = static_cast<int64_t>(std::time(nullptr));
  bool existed = static_cast<bool>(store.image(record.id));
  std::vector<std::string> names{reference.repository() + "@" + resolved.digest.str()};
  if (!reference.tag.empty()) names.push_back(reference.repository() + ":" + reference.tag);
  SBX_TRY(store.add_image(record, names));
  PullResult result;
  result.id = record.id;
  result.digest = resolved.digest;
  result.name = reference.tag.empty() ? names[0] : names[1];
  result.up_to_date = existed && missing.empty();
  return result;
}

// The mirrors, then the location: the first that has the image wins.
Result<PullResult> pull_from_sources(const store::Store& store, const image::RegistriesConf& conf,
                                     const image::Reference& reference, const PullOptions& options,
                                     ProgressSink& progress) {
  std::vector<image::PullSource> sources = SBX_TRY(image::pull_sources(conf, reference));
  for (size_t i = 0; i + 1 < sources.size(); ++i) {
    auto pulled = pull(store, sources[i], reference, options, progress);
    if (pulled) return pulled;
    progress.warning("mirror " + sources[i].reference.repository() +
                     " failed: " + pulled.error().message() + "; trying the next source");
  }
  return pull(store, sources.back(), reference, options, progress);
}

// Which candidates of a short name to try, in order (containers-registries.conf(5)):
// enforcing asks on a terminal and refuses without one; permissive asks on a
// terminal and tries each without; disabled tries each.
Result<std::vector<image::Reference>> candidates_to_try(const image::RegistriesConf& conf,
                                                        std::string_view text,
                                                        std::vector<image::Reference> candidates,
                                                        const PullOptions& options) {
  if (candidates.size() <= 1) return candidates;
  using Mode = image::ShortNameMode;
  if (conf.short_name_mode != Mode::kDisabled && options.choose_registry) {
    std::vector<std::string> names;
    for (const auto& c : candidates) names.push_back(c.canonical());
    size_t chosen = SBX_TRY(options.choose_registry(text, names));
    if (chosen >= candidates.size()) return fail("no registry chosen for " + std::string(text));
    return std::vector<image::Reference>{candidates[chosen]};
  }
  if (conf.short_name_mode != Mode::kEnforcing) return candidates;
  std::string list;
  for (const auto& c : candidates) list += (list.empty() ? " " : ", ") + c.canonical();
  return fail(Error("short name \"" + std::string(text) +
                    "\" is ambiguous and there is no terminal to ask which one is meant:" + list)
                  .with_hint("give the full name, or set short-name-mode = \"permissive\" "
                             "in registries.conf to try them in order"));
}

}  // namespace

Result<store::ImageRecord> find_stored_image(const store::Store& store, std::string_view text) {
  auto found = store.resolve(text);
  if (found || !store::is_not_found(found.error()) || !image::is_short_name(text)) return found;
  auto conf = image::load_registries_conf();
  if (!conf) return found;  // pulling reports the broken file
  auto candidates = image::short_name_candidates(*conf, text);
  if (!candidates) return found;
  for (const image::Reference& reference : candidates->references)
    if (auto stored = store.resolve(reference.canonical())) return stored;
  return found;
}

void record_image_event(const store::Store& store, std::string_view action, std::string id,
                        std::string name) {
  store::Event event;
  event.type = "image";
  event.action = std::string(action);
  event.id = std::move(id);
  event.attributes["name"] = std::move(name);
  (void)store::record_event(store.root(), std::move(event));
}

Result<PullResult> pull_image(const store::Store& store, std::string_view text,
                              const PullOptions& options, ProgressSink& progress) {
  std::string what = "pull " + std::string(text);
  image::RegistriesConf conf = SBX_TRY_CTX(image::load_registries_conf(), what);
  image::ShortNameCandidates found = SBX_TRY_CTX(image::short_name_candidates(conf, text), what);
  std::vector<image::Reference> order =
      SBX_TRY_CTX(candidates_to_try(conf, text, std::move(found.references), options), what);
  std::string failures;
  for (const image::Reference& reference : order) {
    auto pulled = pull_from_sources(store, conf, reference, options, progress);
    if (pulled) record_image_event(store, "pull", pulled->id.str(), pulled->name);
    if (pulled || order.size() == 1) return with_context(std::move(pulled), what);
    failures +=
        (failures.empty() ? " " : "; ") + reference.canonical() + ": " + pulled.error().message();
  }
  return fail(what + ": no search registry has it:" + failures);
}

}  // namespace sbx::images
