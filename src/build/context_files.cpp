// Reading COPY / ADD sources from the build context, confined to it.
#include "context_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::build {

namespace {

bool has_glob(std::string_view path) { return path.find_first_of("*?[") != std::string::npos; }

Result<std::vector<std::string>> names_in(int dir_fd) {
  std::vector<std::string> names = SBX_TRY_CTX(entry_names_at(dir_fd), "directory");
  std::sort(names.begin(), names.end());
  return names;
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

struct Walker {
  const images::IgnoreRules& ignore;
  std::vector<ContextEntry>& out;

  // Everything below `dir` (context path `rel`) as `name/...`, never following links.
  Status walk(const std::shared_ptr<UniqueFd>& dir, const std::string& rel,
              const std::string& name) {
    for (const std::string& child : SBX_TRY(names_in(dir->get()))) {
      std::string child_rel = join(rel, child);
      if (ignore.excluded(child_rel)) continue;
      ContextEntry entry{join(name, child), dir, child, {}, {}};
      if (::fstatat(dir->get(), child.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) != 0)
        return fail_errno("stat", child_rel);
      bool is_dir = S_ISDIR(entry.st.st_mode);
      out.push_back(entry);
      if (!is_dir) continue;
      int fd = ::openat(dir->get(), child.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return fail_errno("open", child_rel);
      SBX_TRY(walk(std::make_shared<UniqueFd>(fd), child_rel, entry.name));
    }
    return {};
  }
};

// All context paths matching `pattern` (element by element, as filepath.Match).
Result<std::vector<std::string>> glob_context(int context_fd, const images::IgnoreRules& ignore,
                                              const std::string& pattern) {
  std::vector<std::string> out;
  std::vector<std::string> parts = split(pattern, '/');
  std::vector<std::string> level{""};
  for (size_t i = 0; i < parts.size(); ++i) {
    std::vector<std::string> next;
    for (const std::string& dir : level) {
      auto fd = open_in_context(context_fd, dir, O_PATH | O_DIRECTORY);
      if (!fd) continue;
      for (const std::string& name : SBX_TRY(names_in(fd->get())))
        if (images::match_glob(parts[i], name) && !ignore.excluded(join(dir, name)))
          next.push_back(join(dir, name));
    }
    level = std::move(next);
  }
  return level;
}

Result<std::string> fd_path(int fd) {
  char buf[4096];
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
  if (n < 0) return fail_errno("readlink", proc);
  return std::string(buf, static_cast<size_t>(n));
}

// Where the file `fd` (opened in the context) is, relative to the context.
Result<std::string> path_in_context(int context_fd, int fd) {
  std::string root = SBX_TRY(fd_path(context_fd));
  std::string path = SBX_TRY(fd_path(fd));
  if (path.size() <= root.size() || !path.starts_with(root + "/"))
    return fail(Error(path + " is not inside the build context", EXDEV));
  return path.substr(root.size() + 1);
}

// One source path (no glob) to entries under `target`.
Status add_source(int context_fd, const images::IgnoreRules& ignore, const std::string& rel,
                  const std::string& dest, bool dest_is_dir, std::vector<ContextEntry>& out) {
  if (!rel.empty() && ignore.excluded(rel))
    return fail(Error("COPY source " + rel + " is excluded by .dockerignore", ENOENT));
  UniqueFd fd = SBX_TRY(open_in_context(context_fd, rel, O_PATH));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat", rel);
  if (S_ISDIR(st.st_mode)) {
    auto dir = std::make_shared<UniqueFd>(std::move(fd));
    return Walker{ignore, out}.walk(dir, rel, dest);
  }
  // A link named as the source was followed inside the context: read its target.
  std::string real = SBX_TRY(path_in_context(context_fd, fd.get()));
  std::string parent = real.find('/') == std::string::npos ? "" : real.substr(0, real.rfind('/'));
  std::string base = rel.substr(rel.rfind('/') + 1);
  auto parent_fd = std::make_shared<UniqueFd>(
      SBX_TRY(open_in_context(context_fd, parent, O_PATH | O_DIRECTORY)));
  std::string real_base = real.substr(real.rfind('/') + 1);
  ContextEntry entry{dest_is_dir ? join(dest, base) : dest, parent_fd, real_base, {}, {}};
  if (::fstatat(parent_fd->get(), real_base.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("stat", rel);
  out.push_back(std::move(entry));
  return {};
}

}  // namespace

Result<UniqueFd> open_in_context(int context_fd, const std::string& path, int flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path.empty() ? "." : path;
  long fd = ::syscall(SYS_openat2, context_fd, rel.c_str(), &how, sizeof how);
  if (fd < 0) return fail_errno("open", rel);
  return UniqueFd(static_cast<int>(fd));
}

bool looks_like_archive(std::string_view head) {
  for (std::string_view magic : {std::string_view("\x1f\x8b"), std::string_view("\x28\xb5\x2f\xfd"),
                                 std::string_view("\xfd"
                                                  "7zXZ"),
                                 std::string_view("BZh")})
    if (head.starts_with(magic)) return true;
  return head.size() >= 262 && head.substr(257, 5) == "ustar";
}

Result<std::string> read_context_file(int context_fd, const std::string& path) {
  UniqueFd fd = SBX_TRY(open_in_context(context_fd, clean_in_context(path), O_RDONLY));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat", path);
  if (!S_ISREG(st.st_mode)) return fail(Error(path + " is not a regular file", EINVAL));
  std::string text;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0) return fail_errno("read", path);
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

std::string clean_in_context(const std::string& path) {
  std::vector<std::string> out;
  for (const std::string& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(part);
  }
  return sbx::join(out, "/");
}

Result<std::vector<ContextEntry>> collect_context_files(int context_fd,
                                                        const images::IgnoreRules& ignore,
                                                        const std::vector<std::string>& sources,
                                                        const std::string& dest, bool dest_is_dir) {
  std::vector<ContextEntry> out;
  for (const std::string& source : sources) {
    std::string rel = clean_in_context(source);
    if (!has_glob(rel)) {
      SBX_TRY_CTX(add_source(context_fd, ignore, rel, dest, dest_is_dir, out), "COPY " + source);
      continue;
    }
    std::vector<std::string> matches = SBX_TRY(glob_context(context_fd, ignore, rel));
    if (matches.empty())
      return fail(Error("COPY " + source + ": no source files were specified", ENOENT));
    for (const std::string& match : matches)
      SBX_TRY_CTX(add_source(context_fd, ignore, match, dest, true, out), "COPY " + source);
  }
  return out;
}

}  // namespace sbx::build
