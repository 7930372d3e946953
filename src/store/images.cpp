// Image records and the names pointing at them: list, resolve, tag, remove.
#include <unistd.h>

#include <algorithm>

#include "sandbox/store/events.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {
constexpr size_t kMaxRecordBytes = 4u << 20;
}

Result<NameIndex> Store::read_names() const {
  fs::path file = root_ / "images/names.json";
  if (!path_exists(file)) return NameIndex{};
  std::string text = SBX_TRY(sbx::read_file(file));
  return with_context(parse_name_index(text), file.native());
}

Status Store::write_names(const NameIndex& names) const {
  return write_file_atomic(root_ / "images/names.json", to_json(names), 0600);
}

Result<std::vector<image::Digest>> Store::image_ids() const {
  std::vector<image::Digest> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "images", ec)) {
    const fs::path& path = entry.path();
    if (path.extension() != ".json") continue;
    auto id = image::Digest::from_sha256_hex(path.stem().native());
    if (id) ids.push_back(*id);  // names.json and temp files are not records
  }
  if (ec) return fail_errno("readdir", (root_ / "images").native(), ec.value());
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<ImageRecord> Store::read_image_record(const image::Digest& id) const {
  fs::path file = root_ / "images" / (id.hex() + ".json");
  auto read = sbx::read_file(file);
  if (!read && read.error().errno_value() == ENOENT)  // never recorded, or removed meanwhile
    return fail(Error("no such image: " + id.str(), Error::Kind::kNotFound));
  std::string text = SBX_TRY(std::move(read));
  if (text.size() > kMaxRecordBytes) return fail(file.native() + ": too large");
  ImageRecord record = SBX_TRY_CTX(parse_image_record(text), file.native());
  if (record.id != id) return fail(file.native() + ": records another image");
  return record;
}

Result<ImageRecord> Store::image(const image::Digest& id) const {
  ImageRecord record = SBX_TRY(read_image_record(id));
  NameIndex names = SBX_TRY(read_names());
  record.repo_tags = names.tags_of(id);
  record.repo_digests = names.digests_of(id);
  return record;
}

Result<std::vector<ImageRecord>> Store::images() const {
  std::vector<image::Digest> ids = SBX_TRY(image_ids());
  NameIndex names = SBX_TRY(read_names());
  std::vector<ImageRecord> out;
  for (const image::Digest& id : ids) {
    auto record = read_image_record(id);
    if (!record) {
      if (is_not_found(record.error())) continue;  // removed meanwhile
      return std::unexpected(std::move(record).error());
    }
    record->repo_tags = names.tags_of(id);
    record->repo_digests = names.digests_of(id);
    out.push_back(std::move(*record));
  }
  std::stable_sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) {
    return a.stored_at > b.stored_at;
  });
  return out;
}

Status Store::add_image(const ImageRecord& record, const std::vector<std::string>& names) const {
  FileLock lock = SBX_TRY(lock_records());
  SBX_TRY(write_file_atomic(root_ / "images" / (record.id.hex() + ".json"), to_json(record), 0600));
  NameIndex index = SBX_TRY(read_names());
  for (const std::string& name : names) {
    if (name.find('@') != std::string::npos)
      index.digests[name] = record.id;
    else
      index.tags[name] = record.id;  // moves the tag off an older image
  }
  return write_names(index);
}

Result<ImageRecord> Store::resolve(std::string_view text) const {
  NameIndex names = SBX_TRY(read_names());
  std::vector<image::Digest> ids = SBX_TRY(image_ids());
  Match match = SBX_TRY(match_image(names, ids, text));
  return image(match.id);
}

Result<image::ImageConfig> Store::image_config(const image::Digest& id) const {
  std::string body = SBX_TRY_CTX(read_blob(id, image::kMaxConfigBytes), "config of " + id.str());
  return with_context(image::parse_config(body), "config of " + id.str());
}

Result<std::string> Store::tag(std::string_view source, std::string_view target) const {
  std::string name = SBX_TRY(canonical_tag(target));
  FileLock lock = SBX_TRY(lock_records());
  NameIndex names = SBX_TRY(read_names());
  std::vector<image::Digest> ids = SBX_TRY(image_ids());
  Match match = SBX_TRY(match_image(names, ids, source));
  names.tags[name] = match.id;
  SBX_TRY(write_names(names));
  (void)record_event(root_, Event{0, "image", "tag", match.id.str(), {{"name", name}}});
  return name;
}

Status Store::delete_image_record(const image::Digest& id) const {
  fs::path file = root_ / "images" / (id.hex() + ".json");
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) return fail_errno("unlink", file.native());
  return {};
}

Result<RemoveResult> Store::remove_image(std::string_view text, bool force,
                                         const TreeRemover& remover) const {
  RemoveResult result;
  {
    FileLock lock = SBX_TRY(lock_records());
    NameIndex names = SBX_TRY(read_names());
    std::vector<image::Digest> ids = SBX_TRY(image_ids());
    Match match = SBX_TRY(match_image(names, ids, text));
    std::vector<std::string> tags = names.tags_of(match.id);
    bool by_name = !match.name.empty();
    bool by_digest = match.name.find('@') != std::string::npos;
    // As docker: a tag of an image with other tags, or a digest name of an
    // image with other names, is only untagged.
    size_t others = tags.size() - (by_digest ? 0 : 1);
    if (by_digest) others += names.digests_of(match.id).size() - 1;
    if (by_name && others > 0) {
      names.tags.erase(match.name);
      names.digests.erase(match.name);
      SBX_TRY(write_names(names));
      result.untagged.push_back(match.name);
      return result;
    }
    if (!by_name && tags.size() > 1 && !force)
      return fail(Error("image " + match.id.short_hex() + " is referenced by " +
                        std::to_string(tags.size()) + " names")
                      .with_hint("remove it by name, or use -f to remove all its names"));
    std::vector<std::string> users = SBX_TRY(containers_using(match.id));
    if (!users.empty() && !force)
      return fail(Error("image " + match.id.short_hex() + " is used by container " + users[0])
                      .with_hint("remove the container first, or use -f to untag it anyway"));
    result.untagged = names.drop_image(match.id);
    SBX_TRY(write_names(names));
    if (users.empty()) {
      SBX_TRY(delete_image_record(match.id));
      result.deleted.push_back(match.id);
    }
  }
  if (result.deleted.empty()) return result;
  // Drop what no image uses any more, unless a pull is under way (it holds the
  // gc lock shared); `image prune` catches up later.
  FileLock gc = SBX_TRY(FileLock::try_acquire(root_ / "locks/gc", FileLock::Mode::kExclusive));
  if (gc.holds()) {
    SBX_TRY_CTX(collect(remover), "collect unused layers");
    result.collected = true;
  }
  return result;
}

}  // namespace sbx::store
