// The build context from stdin: spooled to a file, then either unpacked (a
// tar) or read as the Dockerfile.
#include "stdin_context.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "context_files.hpp"
#include "sandbox/rootfs/unpack.hpp"

namespace sbx::build {

namespace {

// Copies `in` to `path`; returns the first bytes (for the archive check).
Result<std::string> spool(int in, const std::filesystem::path& path) {
  UniqueFd out = SBX_TRY(open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  std::string head;
  char buf[65536];
  for (ssize_t n; (n = ::read(in, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read", "stdin");
    }
    if (head.size() < 512) head.append(buf, std::min<size_t>(static_cast<size_t>(n), 512));
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno != EINTR) return fail_errno("write", path.native());
      if (w > 0) done += w;
    }
  }
  return head.substr(0, 512);
}

}  // namespace

Result<StdinContext> read_stdin_context(int fd, const std::filesystem::path& parent,
                                        images::ProgressSink& output) {
  SBX_TRY(make_dirs(parent, 0700));
  TempDir dir = SBX_TRY(TempDir::create(parent, "build-stdin-"));
  StdinContext out{std::move(dir), {}, false, {}};
  auto spooled = out.dir.path() / "stdin";
  std::string head = SBX_TRY(spool(fd, spooled));
  out.context = out.dir.path() / "context";
  SBX_TRY(make_dirs(out.context, 0700));
  if (!looks_like_archive(head)) {
    out.dockerfile_text = SBX_TRY(read_file(spooled));
    ::unlink(spooled.c_str());
    return out;
  }
  // The owners in the archive do not matter: COPY writes 0:0 unless --chown.
  rootfs::UnpackOptions options;
  options.whiteouts = rootfs::WhiteoutForm::kApply;
  options.layer_name = "the context archive on stdin";
  options.ignore_ownership = true;
  std::vector<std::string> warnings;
  SBX_TRY(rootfs::unpack_layer(spooled, out.context, options, warnings));
  for (const std::string& warning : warnings) output.warning(warning);
  ::unlink(spooled.c_str());
  out.has_context = true;
  return out;
}

}  // namespace sbx::build
