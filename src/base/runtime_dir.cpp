// Where runtime state lives when the session gives no XDG_RUNTIME_DIR
// (runtime_dir.hpp). /tmp is shared with every local user, so a fixed name
// there (/tmp/sandbox-run-<uid>) can be made first by someone else, and we
// could only refuse to run: the name must be one they cannot know.
#include "sandbox/base/runtime_dir.hpp"

#include <fcntl.h>
#include <nettle/sha2.h>
#include <pwd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sandbox/base/files.hpp"

namespace sbx {

namespace fs = std::filesystem;

namespace {

constexpr unsigned kAttempts = 16;
constexpr size_t kKeyHexLength = 64;

bool is_our_directory(const fs::path& dir) {
  struct stat st;
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid();
}

std::string to_hex(const uint8_t* bytes, size_t count) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < count; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0xf];
  }
  return hex;
}

bool is_key(std::string_view text) {
  return text.size() == kKeyHexLength &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// The home directory in passwd, not $HOME: the key must be one per user.
Result<fs::path> passwd_home() {
  struct passwd* pw = ::getpwuid(::getuid());
  if (pw == nullptr || pw->pw_dir == nullptr || *pw->pw_dir == '\0')
    return fail("uid " + std::to_string(::getuid()) + " has no home directory in passwd");
  return fs::path(pw->pw_dir);
}

// Publishes a new random key with link(2), which fails when another call of
// ours got there first: then both use that one.
Result<std::string> create_key(const fs::path& file) {
  uint8_t random[kKeyHexLength / 2];
  if (::getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random))
    return fail_errno("getrandom", file.native());
  std::string key = to_hex(random, sizeof random);
  SBX_TRY(make_dirs(file.parent_path(), 0700));
  std::string temp = file.native() + ".XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return fail_errno("mkostemp", temp);
  Status written = write_all(fd.get(), key + "\n");
  if (written && ::fsync(fd.get()) != 0) written = fail_errno("fsync", temp);
  int linked = written ? ::link(temp.c_str(), file.c_str()) : -1;
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (!written) return fail(std::move(written.error()));
  if (linked == 0) return key;
  if (link_errno != EEXIST) return fail_errno("link", file.native(), link_errno);
  std::string theirs = SBX_TRY(read_file(file));
  theirs.resize(std::min(theirs.size(), kKeyHexLength));
  if (!is_key(theirs)) return fail(file.native() + ": not a runtime directory key");
  return theirs;
}

Result<std::string> runtime_dir_key() {
  fs::path file = SBX_TRY(passwd_home()) / ".config/sandbox/runtime-dir-key";
  auto text = read_file(file);
  if (!text) return create_key(file);
  std::string key = text->substr(0, kKeyHexLength);
  if (!is_key(key))
    return fail(Error(file.native() + ": not a runtime directory key")
                    .with_hint("remove it; a new one is made at the next start"));
  return key;
}

Result<std::string> boot_id() {
  std::string id = SBX_TRY(read_file("/proc/sys/kernel/random/boot_id"));
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

// A directory of ours under any of the names wins over making one, so that
// someone who frees a name they held cannot move us away from our state.
Result<fs::path> private_tmp_dir() {
  std::string key = SBX_TRY(runtime_dir_key());
  std::string boot = SBX_TRY(boot_id());
  std::vector<fs::path> names;
  for (unsigned attempt = 0; attempt < kAttempts; ++attempt) {
    names.push_back(fs::path("/tmp") / tmp_runtime_dir_name(::getuid(), key, boot, attempt));
    if (!is_our_directory(names.back())) continue;
    if (::chmod(names.back().c_str(), 0700) != 0) return fail_errno("chmod", names.back().native());
    return names.back();
  }
  for (const fs::path& dir : names) {
    if (::mkdir(dir.c_str(), 0700) == 0) return dir;
    if (errno != EEXIST) return fail_errno("mkdir", dir.native());
    if (is_our_directory(dir)) return dir;  // made by another call of ours just now
  }
  return fail("all " + std::to_string(kAttempts) + " private names in /tmp are taken by others");
}

}  // namespace

std::string tmp_runtime_dir_name(unsigned uid, std::string_view key, std::string_view boot_id,
                                 unsigned attempt) {
  std::string input =
      std::string(key) + "\n" + std::string(boot_id) + "\n" + std::to_string(attempt);
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, input.size(), reinterpret_cast<const uint8_t*>(input.data()));
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  return "sandbox-run-" + std::to_string(uid) + "-" + to_hex(digest, 12);
}

Result<fs::path> private_runtime_dir() {
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg && is_our_directory(xdg))
    return fs::path(xdg);
  // After `su`, XDG_RUNTIME_DIR names another user's dir; logind's is ours.
  if (fs::path run_user = "/run/user/" + std::to_string(::getuid()); is_our_directory(run_user))
    return run_user;
  auto dir = private_tmp_dir();
  if (!dir)
    return fail(std::move(dir.error())
                    .context("find a private runtime directory in /tmp")
                    .with_hint("set XDG_RUNTIME_DIR to a directory of your own (mode 0700)"));
  return dir;
}

}  // namespace sbx
