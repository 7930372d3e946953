#include "sandbox/rootfs/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/entry_path.hpp"

namespace sbx::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxMembers = 100000;
constexpr size_t kArchiveReadBlock = 1 << 16;

using Reader = std::unique_ptr<archive, decltype(&archive_read_free)>;

Error corrupt(archive* a) {
  const char* message = archive_error_string(a);
  int err = archive_errno(a);
  return Error(std::string("the archive is corrupt or truncated: ") +
                   (message ? message : "unknown libarchive error"),
               err > 0 ? err : EIO);
}

Result<ArchiveMember> copy_member(archive* a, const fs::path& file, const std::string& name) {
  UniqueFd out = SBX_TRY(open_file(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  image::Sha256 hash;
  std::vector<char> buffer(kArchiveReadBlock);
  for (;;) {
    la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
    if (n < 0) return fail(std::move(corrupt(a)).context(name));
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
    SBX_TRY(write_all(out.get(), std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
  ArchiveMember member;
  member.file = file;
  member.size = hash.size();
  member.digest = hash.finish();
  return member;
}

std::string parent_of(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash + 1);
}

// A later member of the same name replaces an earlier one, as tar extracts them.
void forget_member(ArchiveContents& contents, const std::string& name) {
  contents.links.erase(name);
  if (auto replaced = contents.files.find(name); replaced != contents.files.end()) {
    ::unlink(replaced->second.file.c_str());
    contents.files.erase(replaced);
  }
}

// `index`: the member's position in the archive, which names its staged file.
Status read_entry(archive* a, archive_entry* entry, const fs::path& staging, size_t index,
                  ArchiveContents& contents) {
  const char* raw = archive_entry_pathname(entry);
  std::string original = raw ? raw : "";
  std::optional<std::string> name = rootfs::clean_entry_path(original);
  if (!name) return fail("archive member \"" + original + "\" points outside the archive", EXDEV);
  if (name->empty()) return {};  // "./"
  const char* hardlink = archive_entry_hardlink(entry);
  mode_t type = archive_entry_filetype(entry);
  if (hardlink || type == AE_IFLNK) {
    const char* link = hardlink ? hardlink : archive_entry_symlink(entry);
    if (!link)
      return fail("archive member \"" + original + "\" is a link without a target", EINVAL);
    std::string target = link;
    // Symlinks are relative to their dir; hardlinks name a member.
    std::string joined = hardlink || target.starts_with("/") ? target : parent_of(*name) + target;
    std::optional<std::string> clean = rootfs::clean_entry_path(joined);
    if (!clean || target.starts_with("/"))
      return fail(
          "archive member \"" + original + "\" links outside the archive (\"" + target + "\")",
          EXDEV);
    forget_member(contents, *name);
    contents.links[*name] = *clean;
    return {};
  }
  if (type == AE_IFDIR) return {};
  if (type != AE_IFREG)
    return fail("archive member \"" + original + "\" is not a regular file or directory", EINVAL);
  ArchiveMember member = SBX_TRY(copy_member(a, staging / std::to_string(index), *name));
  forget_member(contents, *name);
  contents.files[*name] = std::move(member);
  return {};
}

}  // namespace

const ArchiveMember* ArchiveContents::find(std::string_view name) const {
  std::optional<std::string> clean = rootfs::clean_entry_path(name);
  if (!clean) return nullptr;
  std::string current = *clean;
  for (int hops = 0; hops < 16; ++hops) {
    if (auto it = files.find(current); it != files.end()) return &it->second;
    auto link = links.find(current);
    if (link == links.end()) return nullptr;
    current = link->second;
  }
  return nullptr;
}

Result<const ArchiveMember*> ArchiveContents::blob(const image::Digest& digest,
                                                   uint64_t size) const {
  const ArchiveMember* member = find("blobs/sha256/" + digest.hex());
  if (!member) return fail("the archive lacks blob " + digest.str(), ENOENT);
  if (member->digest != digest)
    return fail("blob " + digest.str() + " in the archive has digest " + member->digest.str(),
                EBADMSG);
  if (size != 0 && member->size != size)
    return fail("blob " + digest.str() + " has " + std::to_string(member->size) +
                    " bytes, but its descriptor says " + std::to_string(size),
                EBADMSG);
  return member;
}

Result<std::string> ArchiveContents::read(std::string_view name, size_t max_bytes) const {
  const ArchiveMember* member = find(name);
  if (!member) return fail("the archive lacks " + std::string(name), ENOENT);
  if (member->size > max_bytes) return fail(std::string(name) + " in the archive is too large");
  return read_file(member->file);
}

Result<ArchiveContents> read_image_archive(int fd, const fs::path& staging) {
  Reader reader(archive_read_new(), &archive_read_free);
  archive* a = reader.get();
  if (!a) return fail("archive_read_new: out of memory", ENOMEM);
  // No external filter programs for what may be hostile data.
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  if (archive_read_open_fd(a, fd, kArchiveReadBlock) != ARCHIVE_OK) return fail(corrupt(a));
  ArchiveContents contents;
  for (size_t count = 0;; ++count) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) return fail(corrupt(a));
    if (count >= kMaxMembers) return fail("the archive has too many members");
    SBX_TRY(read_entry(a, entry, staging, count, contents));
  }
  if (contents.files.empty()) return fail("the archive is empty (not an image archive)");
  return contents;
}

}  // namespace sbx::rootfs
