// The build layer cache: keys are digests of what decides a step's result,
// records are small files naming the image a step made.
#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/images/build_context.hpp"

namespace sbx::images {

namespace {

std::filesystem::path cache_file(const store::Store& store, const std::string& key) {
  return store.root() / "build-cache" / key;
}

}  // namespace

std::string build_cache_key(const image::Digest& parent, std::string_view instruction,
                            std::string_view content_digest) {
  image::Sha256 hash;
  // Lengths first, so no two different triples hash the same bytes.
  std::string head =
      "sandbox-build-cache-v1\n" + parent.str() + "\n" + std::to_string(instruction.size()) + "\n";
  hash.update(head);
  hash.update(instruction);
  hash.update("\n");
  hash.update(content_digest);
  return hash.finish_hex();
}

Result<std::optional<image::Digest>> find_cached_step(const store::Store& store,
                                                      const std::string& key) {
  std::filesystem::path file = cache_file(store, key);
  if (!path_exists(file)) return std::optional<image::Digest>();
  std::string text = SBX_TRY(read_file(file));
  auto id = image::Digest::parse(trim(text));
  if (!id) return std::optional<image::Digest>();
  auto image = store.image(*id);
  if (!image) return std::optional<image::Digest>();
  return std::optional<image::Digest>(*id);
}

Status record_cached_step(const store::Store& store, const std::string& key,
                          const image::Digest& image) {
  SBX_TRY(make_dirs(store.root() / "build-cache", 0700));
  return write_file_atomic(cache_file(store, key), image.str() + "\n");
}

}  // namespace sbx::images
