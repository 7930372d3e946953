// `sandbox push`: the stored image -> which blobs the registry lacks (HEAD,
// then a cross-repository mount from a repository of the same registry that
// holds the image) -> layers uploaded a few at a time -> config -> manifest,
// last, so a pull never sees a manifest whose blobs are not there.
#include <unistd.h>

#include <algorithm>
#include <set>

#include "layers.hpp"
#include "sandbox/images/push.hpp"
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
  Destination out{std::move(reference), names_registry(text)};
  if (!out.reference.digest.empty())
    return fail(Error("cannot push to a digest (" + std::string(text) + ")")
                    .with_hint("name a tag: the registry computes the digest"));
  if (out.reference.tag.empty()) out.reference.tag = std::string(image::kDefaultTag);
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

Status check_compression(const image::ImageManifest& manifest, const PushOptions& options) {
  if (!options.compression) return {};
  for (const image::Descriptor& layer : manifest.layers) {
    image::Compression has = SBX_TRY(image::layer_compression(layer.media_type));
    if (has != *options.compression)
      return fail(Error("layer " + layer.digest.str() + " is stored as " + layer.media_type +
                        "; recompressing layers is not supported")
                      .with_hint("push without --compression-format to send the layers as "
                                 "stored"));
  }
  return {};
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

// The manifest to push: as stored, or in the format asked for.
Result<std::pair<std::string, image::ImageManifest>> manifest_to_push(
    const store::Store& store, const store::ImageRecord& record, size_t config_size,
    const PushOptions& options) {
  std::string body = SBX_TRY(stored_manifest(store, record, config_size));
  image::ImageManifest manifest = SBX_TRY(image::parse_manifest(body));
  SBX_TRY(check_compression(manifest, options));
  if (options.format && manifest.media_type != manifest_media_type(*options.format)) {
    body = SBX_TRY(manifest_in_format(manifest, *options.format));
    manifest = SBX_TRY(image::parse_manifest(body));
  }
  return std::pair{std::move(body), std::move(manifest)};
}

Result<PushResult> push(const store::Store& store, std::string_view source,
                        const Destination& destination, const PushOptions& options,
                        ProgressSink& progress) {
  if (options.auth_file && ::access(options.auth_file->c_str(), R_OK) != 0)
    return fail_errno("read auth file", options.auth_file->native());
  FileLock gc = SBX_TRY(store.lock_gc_shared());  // nothing we send is collected meanwhile
  store::ImageRecord record = SBX_TRY(store.resolve(source));
  std::string config = SBX_TRY(store.read_blob(record.id, image::kMaxConfigBytes));
  auto [body, manifest] = SBX_TRY(manifest_to_push(store, record, config.size(), options));
  std::vector<BlobToPush> layers;
  for (const image::Descriptor& layer : manifest.layers) {
    if (!store.has_blob(layer.digest))
      return fail(Error("the blob of layer " + layer.digest.str() + " is not in the store")
                      .with_hint("pull the image again, then push"));
    layers.push_back({layer, store.blob_path(layer.digest), {}});
  }
  const image::Reference& reference = destination.reference;
  image::RegistryOptions registry_options{.tls_verify = options.tls_verify, .push = true};
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
