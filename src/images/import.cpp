// `sandbox import`: a root filesystem becomes a one-layer image. A directory
// is packed with the system's GNU tar (ownership recorded as 0:0, since the
// user's own files are root's in the container); a tarball (plain, gzip or
// zstd) is stored as the layer blob as it is. The layer is then unpacked
// like a pulled one, and a config and an OCI manifest are written for it.
#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "layers.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::images {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Status pack_directory(const fs::path& dir, const fs::path& tar) {
  std::vector<std::string> argv{
      "tar",        "--create",        "--file",    tar.native(), "--directory",
      dir.native(), "--numeric-owner", "--owner=0", "--group=0",  "--sort=name",
      "--xattrs",   "--acls",          "."};
  SBX_TRY_CTX(run_checked(argv), "pack " + dir.native());
  return {};
}

Status refuse_other_compression(const fs::path& file) {
  UniqueFd fd = SBX_TRY(open_file(file, O_RDONLY));
  unsigned char magic[6] = {};
  ssize_t n = ::read(fd.get(), magic, sizeof magic);
  bool xz = n >= 6 && magic[0] == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X';
  bool bzip2 = n >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h';
  if (xz || bzip2)
    return fail(Error(file.native() + " is compressed with " + (xz ? "xz" : "bzip2"))
                    .with_hint("decompress it first, or recompress it with gzip or zstd"));
  return {};
}

// The layer blob in tmp/, with its descriptor and diff id.
Result<LayerToUnpack> make_layer(const fs::path& source, const fs::path& staging) {
  fs::path blob = staging / "layer";
  LayerToUnpack layer;
  std::error_code ec;
  if (fs::is_directory(source, ec)) {
    SBX_TRY(pack_directory(source, blob));
    layer.compression = image::Compression::kNone;
  } else {
    SBX_TRY(refuse_other_compression(source));
    if (!fs::copy_file(source, blob, ec)) return fail_errno("copy", source.native(), ec.value());
    layer.compression = SBX_TRY(store::sniff_compression(blob));
  }
  layer.blob.media_type = std::string(
      layer.compression == image::Compression::kGzip   ? image::media_type::kOciLayerGzip
      : layer.compression == image::Compression::kZstd ? image::media_type::kOciLayerZstd
                                                       : image::media_type::kOciLayerTar);
  layer.blob.digest = SBX_TRY(image::sha256_of_file(blob));
  layer.blob.size = fs::file_size(blob, ec);
  layer.diff_id = SBX_TRY(store::uncompressed_digest(blob, layer.compression)).digest;
  return layer;
}

std::string config_json(const LayerToUnpack& layer, const fs::path& source,
                        const std::string& created) {
  image::Platform host = image::host_platform();
  json config{
      {"created", created},
      {"architecture", host.architecture},
      {"os", host.os},
      {"config", {{"Env", {kDefaultPath}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.diff_id.str()}}}},
      {"history", {{{"created", created}, {"created_by", "sandbox import " + source.native()}}}}};
  if (!host.variant.empty()) config["variant"] = host.variant;
  return config.dump();
}

std::string manifest_json(const LayerToUnpack& layer, const image::Digest& config,
                          size_t config_size) {
  json manifest{{"schemaVersion", 2},
                {"mediaType", image::media_type::kOciManifest},
                {"config",
                 {{"mediaType", image::media_type::kOciConfig},
                  {"digest", config.str()},
                  {"size", config_size}}},
                {"layers",
                 {{{"mediaType", layer.blob.media_type},
                   {"digest", layer.blob.digest.str()},
                   {"size", layer.blob.size}}}}};
  return manifest.dump();
}

Result<ImportResult> import(const store::Store& store, const fs::path& source,
                            std::string_view name, ProgressSink& progress) {
  std::string canonical;
  if (!name.empty()) canonical = SBX_TRY(store::canonical_tag(name));
  if (!path_exists(source)) return fail_errno("stat", source.native(), ENOENT);
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  TempDir staging = SBX_TRY(TempDir::create(store.root() / "tmp", "import-"));
  LayerToUnpack layer = SBX_TRY(make_layer(source, staging.path()));
  {
    FileLock lock = SBX_TRY(store.lock_blob(layer.blob.digest));
    if (!store.has_blob(layer.blob.digest))
      SBX_TRY(store.commit_blob(staging.path() / "layer", layer.blob.digest));
  }
  std::vector<LayerToUnpack> layers{layer};
  if (SBX_TRY(store.layer(layer.diff_id))) layers.clear();
  SBX_TRY(unpack_layers(store, layers, progress));

  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string config = config_json(layer, fs::absolute(source), store::format_rfc3339(now));
  store::ImageRecord record;
  record.id = SBX_TRY(store.write_blob(config));
  record.manifest_media_type = std::string(image::media_type::kOciManifest);
  record.manifest_digest =
      SBX_TRY(store.write_blob(manifest_json(layer, record.id, config.size())));
  record.layers = SBX_TRY(layer_records(store, {layer.diff_id}));
  image::Platform host = image::host_platform();
  record.os = host.os;
  record.architecture = host.architecture;
  record.variant = host.variant;
  record.created = store::format_rfc3339(now);
  record.stored_at = now;
  std::vector<std::string> names;
  if (!canonical.empty()) names.push_back(canonical);
  SBX_TRY(store.add_image(record, names));
  return ImportResult{record.id, canonical};
}

}  // namespace

Result<ImportResult> import_image(const store::Store& store, const fs::path& source,
                                  std::string_view name, ProgressSink& progress) {
  return with_context(import(store, source, name, progress), "import " + source.native());
}

}  // namespace sbx::images
