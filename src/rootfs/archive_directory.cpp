// `load -i DIR`: an image archive unpacked into a directory (an OCI layout,
// or a docker-archive's files) read as its tar would be: every regular file
// copied into the staging dir with its sha256 (the store then takes the copies,
// never the user's files), symlinks as links that must stay inside DIR.
#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/archive_reader.hpp"
#include "sandbox/rootfs/entry_path.hpp"

namespace sbx::rootfs {
namespace {

namespace fs = std::filesystem;

constexpr size_t kCopyBlock = 1 << 20;

Result<ArchiveMember> copy_member_file(const fs::path& from, const fs::path& to) {
  UniqueFd in = SBX_TRY(open_file(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  UniqueFd out = SBX_TRY(open_file(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  image::Sha256 hash;
  std::vector<char> buffer(kCopyBlock);
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read", from.native());
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
    SBX_TRY(write_all(out.get(), std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
  ArchiveMember member;
  member.file = to;
  member.size = hash.size();
  member.digest = hash.finish();
  return member;
}

// A symlink's target as a name in DIR, or an error when it leaves DIR.
Result<std::string> link_target(const fs::path& link, const std::string& name) {
  std::error_code ec;
  fs::path target = fs::read_symlink(link, ec);
  if (ec) return fail("readlink(" + link.native() + "): " + ec.message(), ec.value());
  std::string joined = (fs::path(name).parent_path() / target).generic_string();
  std::optional<std::string> clean = clean_entry_path(joined);
  if (!clean || target.is_absolute())
    return fail("\"" + name + "\" links outside the directory (\"" + target.native() + "\")",
                EXDEV);
  return *clean;
}

}  // namespace

Result<ArchiveContents> read_image_directory(const fs::path& dir, const fs::path& staging) {
  ArchiveContents contents;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);  // symlinks are not followed
  size_t index = 0;
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().lexically_relative(dir).generic_string();
    fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(status)) continue;
    if (fs::is_symlink(status)) {
      contents.links[name] = SBX_TRY(link_target(it->path(), name));
    } else if (fs::is_regular_file(status)) {
      contents.files[name] = SBX_TRY(
          with_context(copy_member_file(it->path(), staging / std::to_string(index++)), name));
    } else {
      return fail("\"" + it->path().native() + "\" is not a regular file or directory", EINVAL);
    }
  }
  if (ec) return fail("read directory " + dir.native() + ": " + ec.message(), ec.value());
  return contents;
}

}  // namespace sbx::rootfs
