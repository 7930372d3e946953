// `sandbox push`: the stored image -> layers recompressed where asked (or
// gzipped where stored uncompressed) -> which blobs the registry lacks (HEAD,
// then a cross-repository mount from a repository of the same registry that
// holds the image) -> layers uploaded a few at a time -> config -> manifest,
// last, so a pull never sees a manifest whose blobs are not there.
#include <unistd.h>

#include <algorithm>
#include <set>

#include "layers.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/image/registries_conf.hpp"
#include "sandbox/images/push.hpp"
#include "sandbox/store/layer_compress.hpp"
#include "sandbox/store/lookup.hpp"

namespace sbx::images {

namespace {

struct BlobToPush {
  image::Descriptor descriptor;
  std::filesystem::path file;  // empty: `bytes`
  std::string_view bytes;
};

struct Destination {
  image::Reference reference;
  bool registry_given = false;  // the text named a registry
  image::PushTarget target;     // what registries.conf says of it
};

// docker's rule: the first path component names a registry when it has a '.'
// or a ':', or is "localhost".
bool names_registry(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view first = text.substr(0, slash);
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost";
}

Result<Destination> parse_destination(std::string_view text) {
  image::Reference reference = SBX_TRY(image::parse_reference(text));
  Destination out{std::move(reference), names_registry(text), {}};
  if (!out.reference.digest.empty())
    return fail(Error("cannot push to a digest (" + std::string(text) + ")")
                    .with_hint("name a tag: the registry computes the digest"));
  if (out.reference.tag.empty()) out.reference.tag = std::string(image::kDefaultTag);
  // Before anything is read or sent: a blocked registry is refused at once.
  image::RegistriesConf conf = SBX_TRY(image::load_registries_conf());
  out.target = SBX_TRY(image::push_target(conf, out.reference));
  return out;
}

// Repositories of the destination's registry that hold this image: a blob
// can be mounted from them instead of uploaded.
std::vector<std::string> mount_sources(const store::ImageRecord& record,
                                       const image::Reference& destination) {
  std::set<std::string> paths;
  std::vector<std::string> names = record.repo_tags;
  names.insert(names.end(), record.repo_digests.begin(), record.repo_digests.end());
  for (const std::string& name : names) {
    auto parsed = image::parse_reference(name);
    if (parsed && parsed->domain == destination.domain && parsed->path != destination.path)
      paths.insert(parsed->path);
  }
  return {paths.begin(), paths.end()};
}

// How a layer stored as `stored` goes up.
image::Compression compression_to_push(image::Compression stored, const PushOptions& options) {
  if (options.compression) return *options.compression;
  if (stored == image::Compression::kNone && !options.disable_compression)
    return image::Compression::kGzip;  // as docker and podman push a committed layer
  return stored;
}

// The manifest format to push: as asked, else as stored; zstd layers need OCI's.
Result<ManifestFormat> format_to_push(const image::ImageManifest& stored,
                                      const PushOptions& options) {
  bool zstd = options.compression == image::Compression::kZstd;
  if (options.format) {
    if (*options.format == ManifestFormat::kDockerV2S2 && zstd)
      return fail(Error("--compression-format zstd with --format v2s2: a Docker v2s2 manifest "
                        "knows only gzip layers")
                      .with_hint("push zstd layers with --format oci, or v2s2 with "
                                 "--compression-format gzip"));
    return *options.format;
  }
  if (zstd || stored.media_type != image::media_type::kDockerManifest) return ManifestFormat::kOci;
  return ManifestFormat::kDockerV2S2;
}

std::string_view layer_media_type(image::Compression compression) {
  return compression == image::Compression::kZstd ? image::media_type::kOciLayerZstd
                                                  : image::media_type::kOciLayerGzip;
}

// The layers whose compression changes are recompressed, `jobs` at a time,
// into `scratch`; their entries in `manifest` and `layers` then describe the
// new blobs. True when any was.
Result<bool> recompress_layers(const store::ImageRecord& record, image::ImageManifest& manifest,
                               std::vector<BlobToPush>& layers, const PushOptions& options,
                               const std::filesystem::path& scratch, ProgressSink& progress) {
  if (record.layers.size() != layers.size())  // stored_manifest keeps them in step
    return fail("the manifest and the image record list different layers");
  std::vector<size_t> changing;
  std::vector<image::Compression> from(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    from[i] = SBX_TRY(image::layer_compression(layers[i].descriptor.media_type));
    if (compression_to_push(from[i], options) != from[i]) changing.push_back(i);
  }
  for (size_t i : changing)
    progress.blob(layers[i].descriptor.digest, BlobEvent::kCompressing, 0,
                  layers[i].descriptor.size);
  Status done = run_parallel(changing.size(), options.jobs, [&](size_t k) -> Status {
    size_t i = changing[k];
    BlobToPush& layer = layers[i];
    image::Compression to = compression_to_push(from[i], options);
    // By position: an image may hold the same layer twice.
    std::filesystem::path out = scratch / std::to_string(i);
    store::CompressedBlob blob =
        SBX_TRY_CTX(store::recompress_layer(layer.file, from[i], record.layers[i].diff_id, to, out),
                    "layer " + layer.descriptor.digest.str());
    progress.blob(layer.descriptor.digest, BlobEvent::kCompressed, blob.size, blob.size);
    layer.descriptor = {std::string(layer_media_type(to)), blob.digest, blob.size, {}, {}, {}};
    layer.file = out;
    manifest.layers[i] = layer.descriptor;
    return {};
  });
  if (!done) return std::unexpected(std::move(done).error());
  return !changing.empty();
}

Status push_one(const image::RegistryClient& client, const BlobToPush& blob,
                const std::vector<std::string>& mount_from, uint64_t chunk_size,
                ProgressSink& progress) {
  const image::Digest& digest = blob.descriptor.digest;
  if (SBX_TRY(client.has_blob(digest))) {
    progress.blob(digest, BlobEvent::kRemoteExists, blob.descriptor.size, blob.descriptor.size);
    return {};
  }
  for (const std::string& from : mount_from) {
    if (client.mount_blob(digest, from)) {
      progress.blob(digest, BlobEvent::kMounted, blob.descriptor.size, blob.descriptor.size);
      return {};
    }
  }
  progress.blob(digest, BlobEvent::kPushing, 0, blob.descriptor.size);
  image::BlobUpload upload{blob.descriptor, blob.file, blob.bytes, chunk_size};
  SBX_TRY(client.push_blob(upload, [&](uint64_t done, uint64_t total) {
    progress.blob(digest, BlobEvent::kPushing, done, total);
  }));
  progress.blob(digest, BlobEvent::kPushed, blob.descriptor.size, blob.descriptor.size);
  return {};
}

// Pushes `blobs`, `jobs` at a time; the first error (naming its blob) wins.
Status push_blobs(const image::RegistryClient& client, const std::vector<BlobToPush>& blobs,
                  const std::vector<std::string>& mount_from, const PushOptions& options,
                  ProgressSink& progress) {
  for (const BlobToPush& blob : blobs)
    progress.blob(blob.descriptor.digest, BlobEvent::kPreparing, 0, blob.descriptor.size);
  return run_parallel(blobs.size(), options.jobs, [&](size_t i) {
    return push_one(client, blobs[i], mount_from, options.chunk_size, progress);
  });
}

// The stored blob of each layer of `manifest`; an error names a missing one.
Result<std::vector<BlobToPush>> stored_layers(const store::Store& store,
                                              const image::ImageManifest& manifest) {
  std::vector<BlobToPush> layers;
  for (const image::Descriptor& layer : manifest.layers) {
    if (!store.has_blob(layer.digest))
      return fail(Error("the blob of layer " + layer.digest.str() + " is not in the store")
                      .with_hint("pull the image again, then push"));
    layers.push_back({layer, store.blob_path(layer.digest), {}});
  }
  return layers;
}

Result<PushResult> push(const store::Store& store, std::string_view source,
                        const Destination& destination, const PushOptions& options,
                        ProgressSink& progress) {
  if (options.auth_file && ::access(options.auth_file->c_str(), R_OK) != 0)
    return fail_errno("read auth file", options.auth_file->native());
  FileLock gc = SBX_TRY(store.lock_gc_shared());  // nothing we send is collected meanwhile
  store::ImageRecord record = SBX_TRY(store.resolve(source));
  std::string config = SBX_TRY(store.read_blob(record.id, image::kMaxConfigBytes));
  // The stored manifest goes up byte for byte (same digest) unless its layers
  // or its format change.
  std::string body = SBX_TRY(stored_manifest(store, record, config.size()));
  image::ImageManifest manifest = SBX_TRY(image::parse_manifest(body));
  ManifestFormat format = SBX_TRY(format_to_push(manifest, options));
  std::vector<BlobToPush> layers = SBX_TRY(stored_layers(store, manifest));
  TempDir scratch = SBX_TRY(TempDir::create(store.root() / "tmp", "push-"));
  bool recompressed =
      SBX_TRY(recompress_layers(record, manifest, layers, options, scratch.path(), progress));
  if (recompressed || manifest.media_type != manifest_media_type(format)) {
    body = SBX_TRY(manifest_in_format(manifest, format));
    manifest = SBX_TRY(image::parse_manifest(body));
  }
  const image::Reference& reference = destination.reference;
  image::RegistryOptions registry_options{
      .tls_verify = options.tls_verify && !destination.target.insecure, .push = true};
  if (options.auth_file) registry_options.auth_files = image::auth_file_only(*options.auth_file);
  image::RegistryClient client =
      SBX_TRY(image::RegistryClient::create(reference, registry_options));
  std::vector<std::string> mount_from = mount_sources(record, reference);
  SBX_TRY(push_blobs(client, layers, mount_from, options, progress));
  SBX_TRY(push_blobs(client, {{manifest.config, {}, config}}, mount_from, options, progress));
  PushResult result;
  result.digest = SBX_TRY(client.push_manifest(reference.tag, manifest.media_type, body));
  result.destination = reference.canonical();
  result.manifest_media_type = manifest.media_type;
  return result;
}

}  // namespace

Result<image::Compression> parse_compression(std::string_view text) {
  if (text == "gzip") return image::Compression::kGzip;
  if (text == "zstd") return image::Compression::kZstd;
  return fail("unknown compression format '" + std::string(text) + "' (gzip or zstd)");
}

Result<PushResult> push_image(const store::Store& store, std::string_view source,
                              std::string_view destination, const PushOptions& options,
                              ProgressSink& progress) {
  std::string_view target = destination.empty() ? source : destination;
  Destination parsed = SBX_TRY_CTX(parse_destination(target), "push " + std::string(source));
  std::string what = "push " + std::string(source) + " to " + parsed.reference.canonical();
  if (!parsed.registry_given)
    progress.warning("'" + std::string(target) + "' names no registry: pushing to " +
                     parsed.reference.canonical() + " (Docker Hub), as docker and podman do");
  return with_context(push(store, source, parsed, options, progress), what);
}

}  // namespace sbx::images
