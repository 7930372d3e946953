#include "sandbox/base/paths.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/base/runtime_dir.hpp"

namespace sbx {

namespace fs = std::filesystem;

Result<fs::path> home_dir() {
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home);
  struct passwd* pw = ::getpwuid(::getuid());
  if (pw && pw->pw_dir && *pw->pw_dir) return fs::path(pw->pw_dir);
  return fail("cannot find the home directory: HOME is unset and uid " +
              std::to_string(::getuid()) + " has no passwd entry");
}

Result<fs::path> default_store_root() {
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data)
    return fs::path(data) / "sandbox";
  fs::path home = SBX_TRY(home_dir());
  return home / ".local/share/sandbox";
}

Result<fs::path> runtime_root() {
  fs::path dir = SBX_TRY(private_runtime_dir());
  fs::path root = dir / "sandbox";
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST)
    return fail_errno("mkdir", root.native());
  struct stat st;
  if (::lstat(root.c_str(), &st) != 0) return fail_errno("stat", root.native());
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid())
    return fail(Error("runtime directory " + root.native() + " is not a directory owned by uid " +
                      std::to_string(::getuid()))
                    .with_hint("remove it or set XDG_RUNTIME_DIR to a directory you own"));
  if ((st.st_mode & 077) != 0 && ::chmod(root.c_str(), 0700) != 0)
    return fail_errno("chmod", root.native());
  return root;
}

}  // namespace sbx
