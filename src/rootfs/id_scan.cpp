// The read-only pre-pass: ownership every entry needs, and the space it claims.
#include <pwd.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

#include "layer_archive.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/rootfs/unpack.hpp"

namespace sbx::rootfs {

namespace {

bool maps_id(const std::vector<userns::IdMapEntry>& ranges, uint64_t id) {
  for (const userns::IdMapEntry& range : ranges) {
    if (id >= range.inside && id - range.inside < range.count) return true;
  }
  return false;
}

// "0-65535", "0, 1000-1999": the inside ids a map covers, adjacent ranges merged.
std::string describe_ranges(std::vector<userns::IdMapEntry> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const auto& a, const auto& b) { return a.inside < b.inside; });
  std::vector<std::pair<uint64_t, uint64_t>> merged;  // [first, last]
  for (const userns::IdMapEntry& range : ranges) {
    if (range.count == 0) continue;
    uint64_t first = range.inside;
    uint64_t last = first + range.count - 1;
    if (!merged.empty() && first <= merged.back().second + 1)
      merged.back().second = std::max(merged.back().second, last);
    else
      merged.emplace_back(first, last);
  }
  std::vector<std::string> parts;
  for (auto [first, last] : merged)
    parts.push_back(first == last ? std::to_string(first)
                                  : std::to_string(first) + "-" + std::to_string(last));
  if (parts.empty()) return "none";
  return join(parts, ", ");
}

// The invoking user's name for the hint's example line ("USER" if unknown).
std::string user_name() {
  struct passwd entry {};
  struct passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(::getuid(), &entry, buffer, sizeof buffer, &found) == 0 && found)
    return found->pw_name;
  return "USER";
}

Error unmapped_error(std::string_view what, std::string_view file, uint64_t id,
                     const std::vector<userns::IdMapEntry>& ranges) {
  std::string kind(what);  // "uid" or "gid"
  std::string message = std::string(file) + " is owned by " + kind + " " + std::to_string(id) +
                        ", but only " + kind + "s " + describe_ranges(ranges) + " can be mapped";
  std::string table = kind == "uid" ? "/etc/subuid" : "/etc/subgid";
  return Error(std::move(message), EOVERFLOW)
      .with_hint("give your user a larger range in " + table + " (at least " +
                 std::to_string(id + 1) + " ids, e.g. '" + user_name() +
                 ":100000:" + std::to_string(id < 65536 ? 65536 : id + 1) + "')");
}

std::string label_of(const std::filesystem::path& blob, std::string_view layer_name) {
  return "layer " + (layer_name.empty() ? blob.native() : std::string(layer_name));
}

}  // namespace

Result<LayerIdScan> scan_layer_ids(const std::filesystem::path& blob, const userns::IdMaps& maps,
                                   std::string_view layer_name, bool want_diff_id) {
  std::string label = label_of(blob, layer_name);
  LayerArchive archive = SBX_TRY_CTX(LayerArchive::open(blob, want_diff_id), label);
  LayerIdScan scan;
  for (;;) {
    archive_entry* entry = SBX_TRY_CTX(archive.next(), label);
    if (!entry) break;
    ++scan.entries;
    la_int64_t uid = archive_entry_uid(entry);
    la_int64_t gid = archive_entry_gid(entry);
    std::string name = entry_pathname(entry);
    if (uid < 0 || !maps_id(maps.uids, static_cast<uint64_t>(uid)))
      return fail(
          unmapped_error("uid", name, static_cast<uint64_t>(uid), maps.uids).context(label));
    if (gid < 0 || !maps_id(maps.gids, static_cast<uint64_t>(gid)))
      return fail(
          unmapped_error("gid", name, static_cast<uint64_t>(gid), maps.gids).context(label));
    scan.max_uid = std::max<uint32_t>(scan.max_uid, static_cast<uint32_t>(uid));
    scan.max_gid = std::max<uint32_t>(scan.max_gid, static_cast<uint32_t>(gid));
    if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) > 0)
      scan.content_bytes += static_cast<uint64_t>(archive_entry_size(entry));
    // Skipping still decompresses: it is what verifies the archive is whole.
    if (archive_read_data_skip(archive.handle()) != ARCHIVE_OK)
      return fail(std::move(archive.error("read")).context(label));
  }
  if (want_diff_id) scan.diff_id = SBX_TRY_CTX(archive.finish_hash(), label);
  return scan;
}

Status check_free_space(const std::filesystem::path& dir, uint64_t needed,
                        std::string_view layer_name) {
  struct statvfs st;
  if (::statvfs(dir.c_str(), &st) != 0) return fail_errno("statvfs", dir.native());
  uint64_t available = uint64_t{st.f_bavail} * st.f_frsize;
  // Metadata, directories and block rounding need room beyond the contents.
  uint64_t wanted = needed + needed / 16 + (16u << 20);
  if (wanted <= available) return {};
  std::string what =
      layer_name.empty() ? std::string("unpacking the layers") : "layer " + std::string(layer_name);
  return fail(Error(what + " needs " + human_size(static_cast<double>(wanted)) + " but " +
                        dir.native() + " has only " + human_size(static_cast<double>(available)) +
                        " free",
                    ENOSPC)
                  .with_hint("free disk space or use --root on a larger file system"));
}

}  // namespace sbx::rootfs
