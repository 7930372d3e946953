// COPY and ADD from the build context: the chosen files become one layer
// tar (owners 0:0 unless --chown, modes kept unless --chmod), keyed in the
// cache on their names, modes, owners, link targets and bytes. The layer is
// unpacked by the same confined unpacker as a pulled layer, so nothing in it
// lands outside the image's root.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "build_state.hpp"
#include "context_files.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/images/commit.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/images/tree_remover.hpp"
#include "sandbox/launch/users.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/rootfs/tar_writer.hpp"
#include "sandbox/rootfs/unpack.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/store/records.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"
#include "url_sources.hpp"

namespace sbx::build {

namespace {

struct CopyRequest {
  std::vector<std::string> sources;
  std::string dest;  // cleaned, no leading '/'
  bool dest_is_dir = false;
  std::optional<std::pair<uid_t, gid_t>> owner;
  std::optional<mode_t> mode;
};

bool is_number(std::string_view text) {
  return !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == text.npos;
}

// --chown=USER[:GROUP] as BuildKit reads it: a number is used as is (GROUP
// defaults to USER's number), a user name gives its uid and primary gid, a
// group name its gid, from the image's own /etc/passwd and /etc/group (read
// inside its layers; a link out of the image reads nothing).
Result<std::pair<uid_t, gid_t>> resolve_chown(const Build& build, const StageState& state,
                                              const std::string& text) {
  size_t colon = text.find(':');
  std::string user = text.substr(0, colon);
  std::optional<std::string> group;
  if (colon != std::string::npos) group = text.substr(colon + 1);
  if (user.empty() || (group && group->empty()))
    return fail(Error("--chown=" + text + ": want USER[:GROUP]", EINVAL));
  std::vector<std::filesystem::path> lowers;
  for (auto it = state.image.layers.rbegin(); it != state.image.layers.rend(); ++it)
    lowers.push_back(build.store.layer_diff_dir(it->diff_id));
  auto missing = [&](const std::string& what, const std::string& name, const char* file) {
    return fail(
        Error("--chown=" + text + ": no " + what + " '" + name + "' in the image's " + file, ENOENT)
            .with_hint("add it to " + std::string(file) + " in an earlier step, or give a number"));
  };
  std::pair<uid_t, gid_t> ids{0, 0};
  if (is_number(user)) {
    ids.first = ids.second = static_cast<uid_t>(std::stoul(user));
  } else {
    auto users = launch::parse_passwd(launch::read_image_file(lowers, "etc/passwd"));
    auto found = std::find_if(users.begin(), users.end(), [&](auto& u) { return u.name == user; });
    if (found != users.end())
      ids = {found->uid, found->gid};
    else if (user != "root")  // root is 0:0 even in an image without /etc/passwd
      return missing("user", user, "/etc/passwd");
  }
  if (!group) return ids;
  if (is_number(*group)) {
    ids.second = static_cast<gid_t>(std::stoul(*group));
    return ids;
  }
  auto groups = launch::parse_group(launch::read_image_file(lowers, "etc/group"));
  auto found =
      std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.name == *group; });
  if (found != groups.end())
    ids.second = found->gid;
  else if (*group == "root")
    ids.second = 0;
  else
    return missing("group", *group, "/etc/group");
  return ids;
}

Result<CopyRequest> copy_request(const Build& build, const StageState& state,
                                 const images::Instruction& ins) {
  std::vector<std::string> words;
  if (ins.exec_form) {
    words = *ins.exec_form;
  } else {
    std::string text =
        SBX_TRY(images::expand_variables(ins.args, stage_variables(state), build.file.escape));
    words = SBX_TRY(images::split_words(text, build.file.escape));
  }
  if (words.size() < 2) return fail(Error(ins.keyword + " needs SOURCE... DEST", EINVAL));
  CopyRequest request;
  request.sources.assign(words.begin(), words.end() - 1);
  std::string dest = words.back();
  request.dest_is_dir = dest.ends_with("/") || request.sources.size() > 1 || dest == ".";
  if (!dest.starts_with("/")) {
    std::string workdir = state.config.working_dir.empty() ? "/" : state.config.working_dir;
    dest = workdir + "/" + dest;
  }
  request.dest = clean_in_context(dest);
  if (request.dest.empty()) request.dest_is_dir = true;
  if (auto chown = ins.flag("chown")) {
    std::string text =
        SBX_TRY(images::expand_variables(*chown, stage_variables(state), build.file.escape));
    request.owner = SBX_TRY(resolve_chown(build, state, text));
  }
  if (auto chmod = ins.flag("chmod")) {
    if (chmod->empty() || chmod->find_first_not_of("01234567") != std::string::npos)
      return fail(Error("--chmod=" + *chmod + ": only octal modes are supported", EINVAL));
    request.mode = static_cast<mode_t>(std::stoul(*chmod, nullptr, 8));
  }
  for (const std::string& source : request.sources) {
    if (source.starts_with("git@") || (is_url_source(source) && source.ends_with(".git")))
      return fail(Error("ADD of a git repository is not supported: " + source, ENOTSUP));
    if (is_url_source(source) && ins.keyword == "COPY")
      return fail(Error("COPY does not take URLs: " + source, EINVAL).with_hint("use ADD"));
  }
  return request;
}

// Heredoc sources (<<EOF) become files named after their terminator.
std::vector<ContextEntry> heredoc_entries(const images::Instruction& ins, CopyRequest& request) {
  std::vector<ContextEntry> out;
  std::vector<std::string> rest;
  for (const std::string& source : request.sources) {
    auto doc = std::find_if(ins.heredocs.begin(), ins.heredocs.end(), [&](const auto& d) {
      return source == "<<" + d.name || source == "<<-" + d.name;
    });
    if (doc == ins.heredocs.end()) {
      rest.push_back(source);
      continue;
    }
    ContextEntry entry;
    entry.name = request.dest_is_dir ? request.dest + "/" + doc->name : request.dest;
    entry.data = doc->body;
    entry.st.st_mode = S_IFREG | 0644;
    entry.st.st_size = static_cast<off_t>(doc->body.size());
    out.push_back(std::move(entry));
  }
  request.sources = rest;
  return out;
}

void apply_owner_and_mode(const CopyRequest& request, std::vector<ContextEntry>& entries) {
  for (ContextEntry& entry : entries) {
    if (request.owner || !entry.keep_owner) {
      auto [uid, gid] = request.owner.value_or(std::pair<uid_t, gid_t>{0, 0});
      entry.st.st_uid = uid;
      entry.st.st_gid = gid;
    }
    if (request.mode && !S_ISLNK(entry.st.st_mode))
      entry.st.st_mode = (entry.st.st_mode & S_IFMT) | *request.mode;
  }
}

// The cache's view of the files: names, types, modes, owners, link targets, bytes.
Result<std::string> content_digest(const std::vector<ContextEntry>& entries) {
  image::Sha256 hash;
  for (const ContextEntry& entry : entries) {
    const struct stat& st = entry.st;
    std::string head = entry.name + '\0' + std::to_string(st.st_mode) + ' ' +
                       std::to_string(st.st_uid) + ' ' + std::to_string(st.st_gid) + ' ' +
                       std::to_string(st.st_size) + '\0';
    hash.update(head);
    if (!entry.dir) {
      hash.update(entry.data);
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = ::readlinkat(entry.dir->get(), entry.base.c_str(), target, sizeof target);
      if (n < 0) return fail_errno("readlink", entry.name);
      hash.update(target, static_cast<size_t>(n));
    } else if (S_ISREG(st.st_mode)) {
      int fd = ::openat(entry.dir->get(), entry.base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return fail_errno("open", entry.name);
      UniqueFd file(fd);
      char buf[65536];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0) return fail_errno("read", entry.name);
        hash.update(buf, static_cast<size_t>(n));
      }
    }
  }
  return hash.finish_hex();
}

// ADD's local archives: a tar (plain, gzip, zstd, xz, bzip2) by its first bytes.
Result<bool> is_archive(int context_fd, const std::string& rel) {
  UniqueFd fd = SBX_TRY(open_in_context(context_fd, rel, O_RDONLY));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char head[512] = {};
  ssize_t n = ::pread(fd.get(), head, sizeof head, 0);
  if (n < 6) return false;
  return looks_like_archive(std::string_view(head, static_cast<size_t>(n)));
}

// ADD's sources that are local archives (globs never are); removed from `request`.
Result<std::vector<std::string>> take_local_archives(const Build& build, CopyRequest& request) {
  std::vector<std::string> archives;
  std::vector<std::string> rest;
  for (const std::string& source : request.sources) {
    std::string rel = clean_in_context(source);
    bool archive = rel.find_first_of("*?[") == std::string::npos &&
                   SBX_TRY(is_archive(build.context.get(), rel));
    (archive ? archives : rest).push_back(source);
  }
  request.sources = std::move(rest);
  return archives;
}

// Each archive unpacked by rootfs's confined unpacker, as a layer is (no
// entry leaves staging/archive-N, no link out), into entries under the
// destination. Runs as root of the user namespace, so the archive's owners
// land on the container's ids and are kept.
Status unpack_archives(const Build& build, const std::vector<std::string>& archives,
                       const CopyRequest& request, const std::filesystem::path& staging,
                       std::vector<ContextEntry>& entries, std::vector<std::string>& warnings) {
  int index = 0;
  for (const std::string& source : archives) {
    UniqueFd fd = SBX_TRY(open_in_context(build.context.get(), clean_in_context(source), O_RDONLY));
    auto dir = staging / ("archive-" + std::to_string(index++));
    SBX_TRY(make_dirs(dir, 0700));
    rootfs::UnpackOptions options;
    options.whiteouts = rootfs::WhiteoutForm::kApply;
    options.layer_name = source;
    SBX_TRY_CTX(
        rootfs::unpack_layer("/proc/self/fd/" + std::to_string(fd.get()), dir, options, warnings),
        "ADD " + source);
    UniqueFd root = SBX_TRY(open_file(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto unpacked =
        SBX_TRY(collect_context_files(root.get(), images::IgnoreRules{}, {""}, request.dest, true));
    for (ContextEntry& entry : unpacked) entry.keep_owner = true;
    entries.insert(entries.end(), unpacked.begin(), unpacked.end());
  }
  return {};
}

Status write_layer(const std::vector<ContextEntry>& entries, const std::filesystem::path& tar) {
  UniqueFd out = SBX_TRY(open_file(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  rootfs::TarWriter writer = SBX_TRY(rootfs::TarWriter::open(out.get()));
  for (const ContextEntry& entry : entries) {
    if (!entry.dir)
      SBX_TRY(writer.add_bytes(entry.name, entry.data));
    else if (S_ISREG(entry.st.st_mode) || S_ISDIR(entry.st.st_mode) || S_ISLNK(entry.st.st_mode))
      SBX_TRY(writer.add_tree_entry(entry.name, entry.dir->get(), entry.base, entry.st));
  }
  return writer.close();
}

// COPY --from: inside the user namespace (the layers' files belong to
// subordinate ids), the image's layers mounted read-only with overlay and the
// sources read from there as from a context; writes the layer tar and the
// content digest (to `staging`/digest: the body runs in a child).
Result<std::string> layer_from_image(const Build& build, const store::ImageRecord& image,
                                     const CopyRequest& request,
                                     const std::filesystem::path& staging,
                                     const std::filesystem::path& tar) {
  std::vector<std::filesystem::path> lowers;
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it)
    lowers.push_back(build.store.layer_diff_dir(it->diff_id));
  auto layout =
      SBX_TRY(rootfs::make_container_layout(staging / "rootfs", staging / "merged", lowers));
  rootfs::PreparedMount mount = SBX_TRY(rootfs::prepare_overlay_mount(layout));
  std::vector<std::string> warnings;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, warnings));
  auto body = [&](std::vector<std::string>&) -> Status {
    if (int err = rootfs::mount_prepared(mount); err != 0)
      return fail_errno("mount(overlay)", mount.target, err);
    UniqueFd root = SBX_TRY(open_file(layout.merged, O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto entries = SBX_TRY(collect_context_files(root.get(), images::IgnoreRules{}, request.sources,
                                                 request.dest, request.dest_is_dir));
    apply_owner_and_mode(request, entries);
    std::string digest = SBX_TRY(content_digest(entries));
    SBX_TRY(write_layer(entries, tar));
    return write_file_atomic(staging / "digest", digest, 0600, Durability::kVolatile);
  };
  SBX_TRY_CTX(userns::run_in_user_namespace(maps, body), "read the files of " + image.id.str());
  return read_file(staging / "digest");
}

Result<StepResult> add_layer(Build& build, const StageState& state,
                             const std::filesystem::path& tar, const std::string& created_by) {
  images::NewLayer layer;
  layer.tar = tar;
  layer.info = images::CommitInfo{store::format_rfc3339(static_cast<int64_t>(std::time(nullptr))),
                                  state.config.author, "", created_by};
  image::Digest id = SBX_TRY(
      images::add_layer_to_image(build.store, state.image, state.config, layer, "", build.output));
  return StepResult{id, false, 0, {}};
}

Result<StepResult> copy_from_image(Build& build, StageState& state, const images::Instruction& ins,
                                   const CopyRequest& request) {
  std::string from = *ins.flag("from");
  store::ImageRecord image = SBX_TRY(image_for_from(build, from));
  TempDir staging = SBX_TRY(TempDir::create(build.store.root() / "tmp", "build-"));
  auto tar = staging.path() / "layer.tar";
  std::string digest = SBX_TRY(layer_from_image(build, image, request, staging.path(), tar));
  std::string key =
      ins.keyword + " --from\n" + request.dest + "\n" + std::to_string(request.dest_is_dir);
  std::string created_by = ins.keyword + " --from=" + from + " " + ins.args;
  auto done = cached_step(build, state, key, digest,
                          [&] { return add_layer(build, state, tar, created_by); });
  (void)images::userns_tree_remover()({staging.path() / "rootfs"});
  return done;
}

// ADD with local archives: inside the user namespace (the unpacked files
// belong to the container's ids), the archives unpacked, the other sources
// read from the context, the layer tar and its content digest written.
Result<StepResult> add_archives(Build& build, StageState& state, const images::Instruction& ins,
                                const CopyRequest& request,
                                const std::vector<std::string>& archives,
                                const std::vector<ContextEntry>& extra) {
  TempDir staging = SBX_TRY(TempDir::create(build.store.root() / "tmp", "build-"));
  auto tar = staging.path() / "layer.tar";
  std::vector<std::string> unused;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, unused));
  auto body = [&](std::vector<std::string>& warnings) -> Status {
    std::vector<ContextEntry> entries = extra;  // heredocs and downloads
    SBX_TRY(unpack_archives(build, archives, request, staging.path(), entries, warnings));
    auto from_context = SBX_TRY(collect_context_files(
        build.context.get(), build.ignore, request.sources, request.dest, request.dest_is_dir));
    entries.insert(entries.end(), from_context.begin(), from_context.end());
    apply_owner_and_mode(request, entries);
    std::string digest = SBX_TRY(content_digest(entries));
    SBX_TRY(write_layer(entries, tar));
    return write_file_atomic(staging.path() / "digest", digest, 0600, Durability::kVolatile);
  };
  auto outcome = userns::run_in_user_namespace(maps, body);
  std::vector<std::filesystem::path> unpacked;
  for (size_t i = 0; i < archives.size(); ++i)
    unpacked.push_back(staging.path() / ("archive-" + std::to_string(i)));
  (void)images::userns_tree_remover()(unpacked);
  if (!outcome) return std::unexpected(outcome.error());
  for (const std::string& warning : outcome->warnings) build.output.warning(warning);
  std::string digest = SBX_TRY(read_file(staging.path() / "digest"));
  std::string key = ins.keyword + "\n" + request.dest + "\n" + std::to_string(request.dest_is_dir);
  std::string created_by = ins.keyword + " " + ins.args;
  return cached_step(build, state, key, digest,
                     [&] { return add_layer(build, state, tar, created_by); });
}

}  // namespace

// The image COPY --from names: a stage built before, else an image (pulled if missing).
Result<store::ImageRecord> image_for_from(const Build& build, const std::string& name) {
  if (auto stage = images::find_stage(build.file, name)) {
    auto built = build.stage_images.find(*stage);
    if (built == build.stage_images.end())
      return fail(Error("--from=" + name + ": the stage is not built before this one", EINVAL));
    return build.store.image(built->second);
  }
  auto found = build.store.resolve(name);
  if (found || !store::is_not_found(found.error())) return found;
  auto pulled = SBX_TRY(images::pull_image(build.store, name, images::PullOptions{}, build.output));
  return build.store.image(pulled.id);
}

Result<StepResult> run_copy_step(Build& build, StageState& state, const images::Instruction& ins) {
  CopyRequest request = SBX_TRY(copy_request(build, state, ins));
  if (ins.flag("from")) return copy_from_image(build, state, ins, request);
  std::vector<ContextEntry> entries = heredoc_entries(ins, request);
  TempDir staging = SBX_TRY(TempDir::create(build.store.root() / "tmp", "build-"));
  auto downloads = SBX_TRY(download_url_sources(request.sources, request.dest, request.dest_is_dir,
                                                ins.flag("checksum"), staging.path()));
  entries.insert(entries.end(), downloads.begin(), downloads.end());
  if (!request.sources.empty()) SBX_TRY(require_context(build, ins.keyword + " from the context"));
  std::vector<std::string> archives;
  if (ins.keyword == "ADD") archives = SBX_TRY(take_local_archives(build, request));
  if (!archives.empty()) return add_archives(build, state, ins, request, archives, entries);
  auto from_context = SBX_TRY(collect_context_files(
      build.context.get(), build.ignore, request.sources, request.dest, request.dest_is_dir));
  entries.insert(entries.end(), from_context.begin(), from_context.end());
  apply_owner_and_mode(request, entries);
  std::string digest = SBX_TRY(content_digest(entries));
  std::string key = ins.keyword + "\n" + request.dest + "\n" + std::to_string(request.dest_is_dir);
  std::string created_by = ins.keyword + " " + ins.args;
  return cached_step(build, state, key, digest, [&]() -> Result<StepResult> {
    SBX_TRY(write_layer(entries, staging.path() / "layer.tar"));
    return add_layer(build, state, staging.path() / "layer.tar", created_by);
  });
}

}  // namespace sbx::build
