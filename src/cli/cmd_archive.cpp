// `sandbox commit, save, load, export`: images from containers and archives.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "progress.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/commit.hpp"
#include "sandbox/images/archives.hpp"
#include "sandbox/store/lookup.hpp"

namespace sbx::cli {

namespace {

// Output to FILE through a temp name renamed on success (no half archive
// under the final name), or to stdout unless it is a terminal.
class ArchiveOutput {
 public:
  static Result<ArchiveOutput> open(const std::string& file, std::string_view command) {
    ArchiveOutput out;
    if (file.empty()) {
      if (::isatty(STDOUT_FILENO))
        return fail(Error("refusing to write an archive to a terminal")
                        .with_hint("use -o FILE or redirect: sandbox " + std::string(command) +
                                   " ... > FILE"));
      out.fd_ = STDOUT_FILENO;
      return out;
    }
    out.final_ = file;
    out.temp_ = file + ".XXXXXX";
    int fd = ::mkstemp(out.temp_.data());
    if (fd < 0) return fail_errno("create", file);
    out.owned_ = UniqueFd(fd);
    out.fd_ = fd;
    return out;
  }
  ArchiveOutput() = default;
  ArchiveOutput(ArchiveOutput&&) = default;
  ~ArchiveOutput() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }
  int fd() const { return fd_; }
  Status finish() {
    if (temp_.empty()) return {};
    if (::fchmod(fd_, 0644 & ~current_umask()) != 0) return fail_errno("chmod", temp_);
    if (::fsync(fd_) != 0) return fail_errno("fsync", temp_);
    if (::rename(temp_.c_str(), final_.c_str()) != 0) return fail_errno("rename", final_);
    temp_.clear();
    return {};
  }

 private:
  static mode_t current_umask() {
    mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
  }
  UniqueFd owned_;
  int fd_ = -1;
  std::string final_;
  std::string temp_;
};

struct CommitFlags {
  std::string container;
  std::string image;
  containers::CommitOptions options;
  bool no_pause = false;
};

void add_commit(Registry& registry) {
  auto flags = std::make_shared<CommitFlags>();
  CLI::App* cmd =
      registry.add("commit", "Create a new image from a container's changes",
                   [&globals = registry.globals(), flags] -> CommandResult {
                     store::Store store = SBX_TRY(store::Store::open(globals.root));
                     PullProgress progress(ProgressStyle::kQuiet, stdout, stderr);
                     flags->options.pause = !flags->no_pause;
                     containers::CommitResult result = SBX_TRY(containers::commit_container(
                         store, flags->container, flags->image, flags->options, progress));
                     std::printf("%s\n", result.id.str().c_str());
                     return 0;
                   });
  cmd->add_option("-m,--message", flags->options.message, "commit message");
  cmd->add_option("-a,--author", flags->options.author, "author (\"Name <email>\")");
  cmd->add_option("-c,--change", flags->options.changes,
                  "apply an instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, "
                  "VOLUME, STOPSIGNAL")
      ->allow_extra_args(false);  // one instruction per -c; CONTAINER follows
  cmd->add_flag("--no-pause", flags->no_pause, "do not freeze a running container meanwhile");
  cmd->add_flag_callback(
      "-p,--pause", [flags] { flags->no_pause = false; }, "freeze a running container (default)");
  cmd->add_option("CONTAINER", flags->container, "container name or id")->required();
  cmd->add_option("IMAGE", flags->image, "name[:tag] for the new image");
}

struct SaveFlags {
  std::string output;
  std::string format = "docker-archive";
  std::vector<std::string> images;
};

void add_save(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<SaveFlags>();
  CLI::App* cmd = registry.add(
      path, "Save images to a docker-archive or oci-archive (tar)",
      [&globals = registry.globals(), flags] -> CommandResult {
        images::ArchiveFormat format = SBX_TRY(images::parse_archive_format(flags->format));
        store::Store store = SBX_TRY(store::Store::open(globals.root));
        ArchiveOutput out = SBX_TRY(ArchiveOutput::open(flags->output, "save"));
        SBX_TRY(images::save_images(store, flags->images, format, out.fd()));
        SBX_TRY(out.finish());
        return 0;
      });
  cmd->add_option("-o,--output", flags->output, "write to FILE instead of stdout");
  cmd->add_option("--format", flags->format, "docker-archive (default) or oci-archive");
  cmd->add_option("IMAGE", flags->images, "images (names or ids)")->required();
}

struct LoadFlags {
  std::string input;
  bool quiet = false;
};

void print_loaded(const images::LoadedImage& image) {
  if (image.names.empty()) std::printf("Loaded image ID: %s\n", image.id.str().c_str());
  for (const std::string& name : image.names) {
    store::DisplayName shown = store::display_name(name);
    std::printf("Loaded image: %s:%s\n", shown.repository.c_str(), shown.tag.c_str());
  }
}

void add_load(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<LoadFlags>();
  CLI::App* cmd = registry.add(
      path, "Load images from a docker-archive or oci-archive (file or stdin)",
      [&globals = registry.globals(), flags] -> CommandResult {
        store::Store store = SBX_TRY(store::Store::open(globals.root));
        PullProgress progress(ProgressStyle::kQuiet, stdout, stderr);
        UniqueFd file;
        int fd = STDIN_FILENO;
        std::error_code ec;
        if (!flags->input.empty() && std::filesystem::is_directory(flags->input, ec)) {
          auto loaded = SBX_TRY(images::load_images_from_directory(store, flags->input, progress));
          if (!flags->quiet)
            for (const auto& image : loaded) print_loaded(image);
          return 0;
        }
        if (!flags->input.empty()) {
          file = SBX_TRY_CTX(open_file(flags->input, O_RDONLY | O_CLOEXEC), "load");
          fd = file.get();
        } else if (::isatty(STDIN_FILENO)) {
          return fail(Error("load reads an archive from stdin, but stdin is a terminal")
                          .with_hint("use -i FILE or redirect: sandbox load < FILE"));
        }
        auto loaded = SBX_TRY(images::load_images(store, fd, progress));
        if (!flags->quiet)
          for (const auto& image : loaded) print_loaded(image);
        return 0;
      });
  cmd->add_option("-i,--input", flags->input,
                  "read from FILE (or an unpacked archive's DIR) instead of stdin");
  cmd->add_flag("-q,--quiet", flags->quiet, "print nothing");
}

void add_export(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd =
      registry.add(path, "Write a container's file system as a tar archive",
                   [&globals = registry.globals(), flags] -> CommandResult {
                     store::Store store = SBX_TRY(store::Store::open(globals.root));
                     ArchiveOutput out = SBX_TRY(ArchiveOutput::open(flags->first, "export"));
                     SBX_TRY(containers::export_container(store, flags->second, out.fd()));
                     SBX_TRY(out.finish());
                     return 0;
                   });
  cmd->add_option("-o,--output", flags->first, "write to FILE instead of stdout");
  cmd->add_option("CONTAINER", flags->second, "container name or id")->required();
}

}  // namespace

void register_archive_commands(Registry& registry) {
  add_commit(registry);
  add_save(registry, "save");
  add_save(registry, "image save");
  add_load(registry, "load");
  add_load(registry, "image load");
  add_export(registry, "export");
  add_export(registry, "container export");
}

}  // namespace sbx::cli
