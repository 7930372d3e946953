// RUN --mount: caches kept in the store, tmpfs, binds of the context, and
// binds of another stage's (or image's) files. Those are a copy of its layers
// made in the user namespace (owners kept), with the source resolved inside
// that copy, so a link in the image cannot point the bind at a host path.
#include "run_mounts.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/images/tree_remover.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::build {

namespace {

using Fields = std::map<std::string, std::string>;

std::string field(const Fields& fields, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (auto it = fields.find(name); it != fields.end()) return it->second;
  return "";
}

// Where `source` is inside the directory `root`, every link resolved inside it.
Result<std::string> resolve_inside(const std::filesystem::path& root, const std::string& source) {
  UniqueFd dir = SBX_TRY(open_file(root, O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = source.empty() ? "." : source;
  long fd = ::syscall(SYS_openat2, dir.get(), rel.c_str(), &how, sizeof how);
  if (fd < 0) return fail_errno("open", source);
  UniqueFd file(static_cast<int>(fd));
  char buf[4096];
  std::string proc = "/proc/self/fd/" + std::to_string(file.get());
  ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
  if (n < 0) return fail_errno("readlink", proc);
  std::string real(buf, static_cast<size_t>(n));
  if (real != root.native() && !real.starts_with(root.native() + "/"))
    return fail(Error(source + " resolves outside the image's files", EXDEV));
  return real;
}

// `image`'s files copied under `dir`/root; the host path of `source` there.
Result<std::string> copy_image_files(const Build& build, const store::ImageRecord& image,
                                     const std::filesystem::path& dir, const std::string& source) {
  auto root = dir / "root";
  std::vector<std::filesystem::path> lowers;
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it)
    lowers.push_back(build.store.layer_diff_dir(it->diff_id));
  std::vector<std::string> warnings;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, warnings));
  auto body = [&](std::vector<std::string>&) -> Status {
    SBX_TRY(rootfs::copy_layers_vfs(lowers, root));
    std::string real = SBX_TRY(resolve_inside(root, source));
    return write_file_atomic(dir / "source", real, 0600, Durability::kVolatile);
  };
  SBX_TRY(userns::run_in_user_namespace(maps, body));
  return read_file(dir / "source");
}

std::string bind_spec(const std::string& source, const std::string& target, bool rw) {
  return "type=bind,source=" + source + ",target=" + target + (rw ? "" : ",readonly=true");
}

Result<std::string> bind_from_context(const Build& build, const std::string& source) {
  SBX_TRY(require_context(build, "RUN --mount=type=bind"));
  auto real = std::filesystem::weakly_canonical(build.options.context / source);
  auto root = std::filesystem::weakly_canonical(build.options.context);
  auto rel = real.lexically_relative(root);
  if (rel.empty() || rel.native().starts_with(".."))
    return fail(Error("RUN --mount source " + source + " leaves the build context", EINVAL));
  return real.string();
}

}  // namespace

RunMounts::~RunMounts() {
  if (!copies.empty()) (void)images::userns_tree_remover()(copies);
}

Status RunMounts::copy_bound_images(const Build& build) {
  for (const FromImage& from : pending_) {
    SBX_TRY(make_dirs(build.store.root() / "tmp", 0700));
    TempDir dir = SBX_TRY(TempDir::create(build.store.root() / "tmp", "build-mount-"));
    copies.push_back(dir.release());
    std::string host = SBX_TRY_CTX(copy_image_files(build, from.image, copies.back(), from.source),
                                   "RUN --mount from " + from.image.id.str());
    specs[from.spec] = bind_spec(host, from.target, from.rw);
  }
  pending_.clear();
  return {};
}

Result<RunMounts> plan_run_mounts(const Build& build, const images::Instruction& ins) {
  RunMounts out;
  for (const std::string& spec : ins.flag_all("mount")) {
    Fields fields;
    for (const std::string& item : split(spec, ',')) {
      size_t eq = item.find('=');
      fields[item.substr(0, eq)] = eq == std::string::npos ? "true" : item.substr(eq + 1);
    }
    std::string type = fields.contains("type") ? fields["type"] : "bind";
    std::string target = field(fields, {"target", "dst", "destination"});
    if (target.empty()) return fail(Error("RUN --mount " + spec + ": target= is required", EINVAL));
    std::string from = field(fields, {"from"});
    if (type == "tmpfs") {
      out.specs.push_back("type=tmpfs,target=" + target);
    } else if (type == "cache") {
      if (!from.empty())
        return fail(Error("RUN --mount=type=cache,from= is not supported", ENOTSUP)
                        .with_hint("use type=bind,from= to read another stage's files"));
      std::string id = fields.contains("id") ? fields["id"] : target;
      auto dir = build.store.root() / "build-mounts" / image::sha256_of(id).hex();
      SBX_TRY(make_dirs(dir, 0700));
      out.specs.push_back("type=bind,source=" + dir.string() + ",target=" + target);
    } else if (type == "bind") {
      std::string source = field(fields, {"source", "src"});
      bool rw = fields.contains("rw") || fields.contains("readwrite");
      if (from.empty()) {
        std::string host = SBX_TRY(bind_from_context(build, source));
        out.specs.push_back(bind_spec(host, target, rw));
        continue;
      }
      store::ImageRecord image =
          SBX_TRY_CTX(image_for_from(build, from), "RUN --mount from=" + from);
      out.from_ids.push_back(image.id.str());
      out.pending_.push_back({out.specs.size(), image, source, target, rw});
      out.specs.emplace_back();
    } else {
      return fail(Error("RUN --mount type=" + type + " is not supported", ENOTSUP));
    }
  }
  return out;
}

}  // namespace sbx::build
