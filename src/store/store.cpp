// Store layout, locks, blobs and layer records (images: images.cpp; garbage
// collection and disk usage: gc.cpp).
#include "sandbox/store/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/base/paths.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSubdirs[] = {"blobs/sha256", "layers",    "images",
                                    "containers",   "tmp/blobs", "locks"};

// The root must be ours and private: others must not read the images.
Status secure_root(const fs::path& root) {
  SBX_TRY(make_dirs(root, 0700));
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) return fail_errno("stat", root.native());
  if (!S_ISDIR(st.st_mode)) return fail_errno("open", root.native(), ENOTDIR);
  if (st.st_uid != ::getuid())
    return fail(Error("store " + root.native() + " is owned by uid " + std::to_string(st.st_uid) +
                      ", not by uid " + std::to_string(::getuid()))
                    .with_hint("use --root with a directory of your own"));
  if ((st.st_mode & 077) != 0 && ::chmod(root.c_str(), 0700) != 0)
    return fail_errno("chmod", root.native());
  return {};
}

}  // namespace

Status remove_trees_plainly(const std::vector<fs::path>& trees) {
  for (const fs::path& tree : trees) SBX_TRY(remove_tree(tree));
  return {};
}

Result<Store> Store::open(const fs::path& root_arg) {
  fs::path root = root_arg;
  if (root.empty()) root = SBX_TRY(default_store_root());
  root = fs::absolute(root).lexically_normal();
  if (!root.has_filename()) root = root.parent_path();
  SBX_TRY_CTX(secure_root(root), "open store");
  for (const char* sub : kSubdirs) SBX_TRY_CTX(make_dirs(root / sub, 0700), "open store");
  return Store(root);
}

// ---- locks

Result<FileLock> Store::lock_records() const {
  return FileLock::acquire(root_ / "locks/store", FileLock::Mode::kExclusive);
}

Result<FileLock> Store::lock_gc_shared() const {
  return FileLock::acquire(root_ / "locks/gc", FileLock::Mode::kShared);
}

Result<FileLock> Store::lock_gc_exclusive() const {
  return FileLock::acquire(root_ / "locks/gc", FileLock::Mode::kExclusive);
}

Result<FileLock> Store::try_lock_gc_exclusive() const {
  return FileLock::try_acquire(root_ / "locks/gc", FileLock::Mode::kExclusive);
}

Result<FileLock> Store::lock_blob(const image::Digest& digest) const {
  return FileLock::acquire(root_ / "locks" / ("blob-" + digest.hex()), FileLock::Mode::kExclusive);
}

Result<FileLock> Store::lock_layer(const image::Digest& diff_id) const {
  return FileLock::acquire(root_ / "locks" / ("layer-" + diff_id.hex()),
                           FileLock::Mode::kExclusive);
}

// ---- blobs

fs::path Store::blob_path(const image::Digest& digest) const {
  return root_ / "blobs/sha256" / digest.hex();
}

bool Store::has_blob(const image::Digest& digest) const {
  struct stat st;
  return ::stat(blob_path(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

fs::path Store::download_path(const image::Digest& digest) const {
  return root_ / "tmp/blobs" / digest.hex();
}

Status Store::commit_blob(const fs::path& verified, const image::Digest& digest) const {
  fs::path dest = blob_path(digest);
  if (::rename(verified.c_str(), dest.c_str()) != 0) return fail_errno("rename", dest.native());
  return {};
}

Result<std::string> Store::read_blob(const image::Digest& digest, size_t max_bytes) const {
  fs::path path = blob_path(digest);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return fail_errno("stat", path.native());
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return fail("blob " + digest.str() + " is " + std::to_string(st.st_size) +
                " bytes, more than the " + std::to_string(max_bytes) + " allowed");
  std::string data = SBX_TRY(sbx::read_file(path));
  if (image::sha256_of(data) != digest)
    return fail("blob " + digest.str() + " in the store does not match its digest (" +
                path.native() + ")");
  return data;
}

Result<image::Digest> Store::write_blob(std::string_view data) const {
  image::Digest digest = image::sha256_of(data);
  if (!has_blob(digest)) SBX_TRY(write_file_atomic(blob_path(digest), data, 0600));
  return digest;
}

// ---- layers

fs::path Store::layer_dir(const image::Digest& diff_id) const {
  return root_ / "layers" / diff_id.hex();
}

fs::path Store::layer_diff_dir(const image::Digest& diff_id) const {
  return layer_dir(diff_id) / "diff";
}

fs::path Store::layer_staging_dir(const image::Digest& diff_id) const {
  return layer_dir(diff_id) / "diff.partial";
}

Result<std::optional<LayerRecord>> Store::layer(const image::Digest& diff_id) const {
  fs::path file = layer_dir(diff_id) / "layer.json";
  if (!path_exists(file)) return std::optional<LayerRecord>();
  std::string text = SBX_TRY(sbx::read_file(file));
  LayerRecord record = SBX_TRY_CTX(parse_layer_record(text), file.native());
  if (record.diff_id != diff_id) return fail(file.native() + ": names another layer");
  if (!path_exists(layer_diff_dir(diff_id))) return std::optional<LayerRecord>();
  return record;
}

Status Store::commit_layer(const LayerRecord& record) const {
  fs::path dir = layer_dir(record.diff_id);
  if (!path_exists(dir / "diff"))
    return fail("commit layer " + record.diff_id.str() + ": " + (dir / "diff").native() +
                " is missing");
  return write_file_atomic(dir / "layer.json", to_json(record), 0600);
}

Status Store::sync() const {
  UniqueFd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return fail_errno("open", root_.native());
  if (::syncfs(fd.get()) != 0) return fail_errno("syncfs", root_.native());
  return {};
}

// ---- containers

Status Store::record_container_image(std::string_view container_id, const image::Digest& id) const {
  fs::path dir = containers_dir() / std::string(container_id);
  SBX_TRY(make_dirs(dir, 0700));
  // Per-container: not worth waiting for the disk at every run (see Durability).
  return write_file_atomic(dir / "image-id", id.str() + "\n", 0600, Durability::kVolatile);
}

Result<std::vector<std::string>> Store::containers_using(const image::Digest& id) const {
  std::vector<std::string> users;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(containers_dir(), ec)) {
    auto text = sbx::read_file(entry.path() / "image-id");
    if (!text) continue;  // not a container dir, or one being created
    std::string value(*text);
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    if (value == id.str()) users.push_back(entry.path().filename().native());
  }
  if (ec) return fail_errno("readdir", containers_dir().native(), ec.value());
  return users;
}

}  // namespace sbx::store
