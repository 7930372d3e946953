// `sandbox pull, (push: cmd_push.cpp), images, history, inspect, tag, rmi, import, image prune,
// system df, system reset` (and docker's `image ls/rm/...` spellings).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "go_template.hpp"
#include "image_filter.hpp"
#include "image_history.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/maintenance.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::cli {
namespace {

Result<store::Store> open_store(const GlobalOptions& globals) {
  return store::Store::open(globals.root);
}

struct PullFlags {
  std::string reference;
  std::string platform;
  std::string authfile;
  bool quiet = false;
  bool tls_verify = true;
};

// Asks on the terminal which search registry a short name means (podman's prompt).
Result<size_t> choose_on_terminal(std::string_view name, const std::vector<std::string>& options) {
  std::fprintf(stderr, "? Which image does \"%.*s\" mean?\n", static_cast<int>(name.size()),
               name.data());
  for (size_t i = 0; i < options.size(); ++i)
    std::fprintf(stderr, "  %zu) %s\n", i + 1, options[i].c_str());
  std::fprintf(stderr, "Number [1-%zu]: ", options.size());
  std::fflush(stderr);
  char line[64];
  if (!std::fgets(line, sizeof line, stdin)) return fail("no registry chosen");
  char* end = nullptr;
  unsigned long chosen = std::strtoul(line, &end, 10);
  if (end == line || chosen < 1 || chosen > options.size())
    return fail(std::string("not one of 1-") + std::to_string(options.size()) + ": " +
                std::string(trim(line)));
  return chosen - 1;
}

CommandResult run_pull(const GlobalOptions& globals, const PullFlags& flags) {
  images::PullOptions options;
  if (!flags.platform.empty()) options.platform = SBX_TRY(image::parse_platform(flags.platform));
  options.tls_verify = flags.tls_verify;
  options.quiet = flags.quiet;
  if (!flags.authfile.empty()) options.auth_file = flags.authfile;
  if (::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO))
    options.choose_registry = choose_on_terminal;
  store::Store store = SBX_TRY(open_store(globals));
  PullProgress progress(progress_style_for_stdout(flags.quiet), stdout, stderr);
  images::PullResult result =
      SBX_TRY(images::pull_image(store, flags.reference, options, progress));
  progress.finish();
  if (flags.quiet) {
    std::printf("%s\n", result.id.str().c_str());
    return 0;
  }
  store::DisplayName shown = store::display_name(result.name);
  std::string name = shown.repository + (shown.tag.starts_with("sha256:") ? "@" : ":") + shown.tag;
  std::printf("Digest: %s\n", result.digest.str().c_str());
  std::printf("Status: %s for %s\n",
              result.up_to_date ? "Image is up to date" : "Downloaded newer image", name.c_str());
  std::printf("Id: %s\n", result.id.str().c_str());
  return 0;
}

void add_pull(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<PullFlags>();
  CLI::App* cmd = registry.add(path, "Pull an image from a registry",
                               [&globals = registry.globals(), flags] -> CommandResult {
                                 return run_pull(globals, *flags);
                               });
  cmd->add_flag("-q,--quiet", flags->quiet, "print only the image id");
  cmd->add_option("--platform", flags->platform, "os/arch[/variant] (default: this host)");
  cmd->add_flag("--tls-verify", flags->tls_verify,
                "verify TLS; =false also allows plain HTTP to remote registries");
  cmd->add_option("--authfile", flags->authfile,
                  "credentials from this file alone (default: podman's and docker's)");
  cmd->add_option("REFERENCE", flags->reference, "image reference")->required();
}

struct ImagesFlags {
  bool quiet = false, no_trunc = false, all = false, digests = false;
  std::string format = "table";
  std::vector<std::string> filters;
  std::string repository;
};

Result<std::string> images_output(const ImagesFlags& f,
                                  const std::vector<store::ImageRecord>& images) {
  if (f.quiet) return images_quiet(images, f.no_trunc);
  if (f.format == "json") return images_json(images, now());
  if (is_go_template(f.format))
    return render_rows(f.format, image_rows(images, now(), f.no_trunc), image_headers());
  if (f.format == "table" || f.format.empty())
    return images_table(images, now(), {.no_trunc = f.no_trunc, .digests = f.digests});
  return fail(unknown_format(f.format));
}

// The images `images` lists: intermediate ones hidden unless --all, then the filters.
Result<std::vector<store::ImageRecord>> listed_images(const store::Store& store,
                                                      const ImagesFlags& flags) {
  ImageFilter filter = SBX_TRY(ImageFilter::parse(flags.filters, flags.repository));
  std::vector<ListedImage> listed;
  for (store::ImageRecord& record : SBX_TRY(store.images())) {
    // A damaged config blob (`system check` reports it) still lists its image.
    auto config = store.image_config(record.id);
    listed.push_back({std::move(record), config ? std::move(*config) : image::ImageConfig{}});
  }
  if (!flags.all) listed = without_intermediate(std::move(listed));
  listed = SBX_TRY(filter.apply(std::move(listed)));
  std::vector<store::ImageRecord> out;
  for (ListedImage& image : listed) out.push_back(std::move(image.record));
  return out;
}

void add_images(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<ImagesFlags>();
  CLI::App* cmd =
      registry.add(path, "List images", [&globals = registry.globals(), flags] -> CommandResult {
        store::Store store = SBX_TRY(open_store(globals));
        auto images = SBX_TRY(listed_images(store, *flags));
        std::fputs(SBX_TRY(images_output(*flags, images)).c_str(), stdout);
        return 0;
      });
  cmd->add_flag("-q,--quiet", flags->quiet, "print only image ids");
  cmd->add_flag("-a,--all", flags->all,
                "also show intermediate images (untagged parents of others, as build leaves)");
  cmd->add_flag("--digests", flags->digests, "show a DIGEST column");
  cmd->add_flag("--no-trunc", flags->no_trunc, "Don't truncate output");
  cmd->add_option("-f,--filter", flags->filters,
                  "KEY=VALUE: dangling=true|false, label=K[=V], reference=GLOB, before=IMAGE, "
                  "since=IMAGE");
  cmd->add_option("--format", flags->format,
                  "table, json, or a Go template ('{{.Repository}}:{{.Tag}}', 'table ...')");
  cmd->add_option("REPOSITORY", flags->repository,
                  "only this repository[:tag] (a glob, as reference=)");
}

struct HistoryFlags {
  std::string image;
  std::string format;
  bool quiet = false, no_trunc = false, human = true;
};

CommandResult run_history(const GlobalOptions& globals, const HistoryFlags& flags) {
  store::Store store = SBX_TRY(open_store(globals));
  store::ImageRecord record = SBX_TRY(store.resolve(flags.image));
  image::ImageConfig config = SBX_TRY(store.image_config(record.id));
  HistoryOptions options{.no_trunc = flags.no_trunc, .human = flags.human};
  std::vector<nlohmann::json> rows = history_rows(record, config, now(), options);
  std::string out;
  if (flags.quiet) {
    for (const nlohmann::json& row : rows) out += row["ID"].get<std::string>() + "\n";
  } else if (flags.format == "json") {
    for (const nlohmann::json& row : rows) out += row.dump() + "\n";
  } else if (flags.format.empty() || flags.format == "table") {
    out = SBX_TRY(render_rows(kHistoryTable, rows, history_headers()));
  } else if (is_go_template(flags.format)) {
    out = SBX_TRY(render_rows(flags.format, rows, history_headers()));
  } else {
    return fail(unknown_format(flags.format));
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

void add_history(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<HistoryFlags>();
  CLI::App* cmd = registry.add(path, "Show the history of an image",
                               [&globals = registry.globals(), flags] -> CommandResult {
                                 return run_history(globals, *flags);
                               });
  cmd->add_flag("-q,--quiet", flags->quiet, "print only the ids");
  cmd->add_flag("--no-trunc", flags->no_trunc, "Don't truncate output");
  cmd->add_flag("-H,--human", flags->human,
                "sizes and dates for people (default true; =false: bytes and RFC 3339)");
  cmd->add_option("--format", flags->format,
                  "table, json, or a Go template over ID, CreatedAt, CreatedSince, CreatedBy, "
                  "Size, Comment");
  cmd->add_option("IMAGE", flags->image, "image name or id")->required();
}

// The inspect document (an array) as it is, or each element through a Go template.
Result<std::string> inspect_output(const std::string& document, const std::string& format) {
  if (format.empty() || format == "json") return document;
  std::string out;
  for (const auto& element : nlohmann::json::parse(document))
    out += SBX_TRY(render_template(format, element)) + "\n";
  return out;
}

struct InspectFlags {
  std::vector<std::string> names;
  std::string format;
};

// `inspect` (with_containers) looks for containers first, as docker does;
// `image inspect` only for images.
Result<std::string> inspect_document(const GlobalOptions& globals,
                                     const std::vector<std::string>& names, bool with_containers) {
  if (with_containers)
    if (auto containers = inspect_containers(globals, names)) return *containers;
  store::Store store = SBX_TRY(open_store(globals));
  std::vector<std::pair<store::ImageRecord, std::string>> found;
  for (const std::string& name : names) {
    auto resolved = store.resolve(name);
    if (!resolved && with_containers && store::is_not_found(resolved.error()))
      return fail(Error("no such container or image: " + name)
                      .with_hint("see `sandbox ps -a` and `sandbox images`"));
    store::ImageRecord image = SBX_TRY(std::move(resolved));
    std::string config = SBX_TRY(store.read_blob(image.id, image::kMaxConfigBytes));
    found.emplace_back(std::move(image), std::move(config));
  }
  return image_inspect_json(found);
}

void add_inspect(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<InspectFlags>();
  bool with_containers = path == "inspect";
  CLI::App* cmd = registry.add(
      path,
      with_containers ? "Show containers' or images' details as JSON"
                      : "Show images' details as JSON",
      [&globals = registry.globals(), flags, with_containers] -> CommandResult {
        std::string document = SBX_TRY(inspect_document(globals, flags->names, with_containers));
        std::fputs(SBX_TRY(inspect_output(document, flags->format)).c_str(), stdout);
        return 0;
      });
  cmd->add_option("-f,--format", flags->format,
                  "Go template for each object ('{{.State.Status}}', '{{json .Config.Env}}')");
  cmd->add_option(with_containers ? "NAME" : "IMAGE", flags->names,
                  with_containers ? "container or image names or ids" : "image names or ids")
      ->required();
}

void add_tag(Registry& registry, const std::string& path) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = registry.add(path, "Give an image another name",
                               [&globals = registry.globals(), args] -> CommandResult {
                                 store::Store store = SBX_TRY(open_store(globals));
                                 SBX_TRY(store.tag(args->first, args->second));
                                 return 0;
                               });
  cmd->add_option("SOURCE", args->first, "image name or id")->required();
  cmd->add_option("TARGET", args->second, "new name[:tag]")->required();
}

struct RmiFlags {
  std::vector<std::string> images;
  bool force = false;
};

void add_rmi(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<RmiFlags>();
  CLI::App* cmd =
      registry.add(path, "Remove images", [&globals = registry.globals(), flags] -> CommandResult {
        store::Store store = SBX_TRY(open_store(globals));
        for (const std::string& name : flags->images) {
          store::RemoveResult removed =
              SBX_TRY(containers::remove_image(store, name, flags->force));
          for (const std::string& untagged : removed.untagged) {
            store::DisplayName shown = store::display_name(untagged);
            bool digest = shown.tag.starts_with("sha256:");
            std::printf("Untagged: %s%s%s\n", shown.repository.c_str(), digest ? "@" : ":",
                        shown.tag.c_str());
          }
          for (const image::Digest& id : removed.deleted)
            std::printf("Deleted: %s\n", id.str().c_str());
        }
        return 0;
      });
  cmd->add_flag("-f,--force", flags->force, "remove even when several names or a container use it");
  cmd->add_option("IMAGE", flags->images, "image names or ids")->required();
}

void add_image_prune(Registry& registry) {
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd =
      registry.add("image prune", "Remove unused images, layers and blobs",
                   [&globals = registry.globals(), all, force] -> CommandResult {
                     (void)force;  // kept alive for the flag; sandbox never asks
                     store::Store store = SBX_TRY(open_store(globals));
                     store::PruneResult pruned = SBX_TRY(containers::prune_images(store, *all));
                     for (const image::Digest& id : pruned.images)
                       std::printf("Deleted: %s\n", id.str().c_str());
                     std::printf("Total reclaimed space: %s\n",
                                 human_size(static_cast<double>(pruned.reclaimed_bytes)).c_str());
                     return 0;
                   });
  cmd->add_flag("-a,--all", *all, "also remove tagged images no container uses");
  cmd->add_flag("-f,--force", *force, "do not ask (sandbox never asks)");
}

void add_import(Registry& registry, const std::string& path) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd =
      registry.add(path, "Make a one-layer image from a root filesystem (directory or tarball)",
                   [&globals = registry.globals(), args] -> CommandResult {
                     store::Store store = SBX_TRY(open_store(globals));
                     PullProgress progress(ProgressStyle::kQuiet, stdout, stderr);
                     images::ImportResult result =
                         SBX_TRY(images::import_image(store, args->first, args->second, progress));
                     std::printf("%s\n", result.id.str().c_str());
                     return 0;
                   });
  cmd->add_option("SOURCE", args->first, "directory, tar, tar.gz or tar.zst")->required();
  cmd->add_option("IMAGE", args->second, "name[:tag] for the new image");
}

Result<bool> confirm_reset(const std::filesystem::path& root) {
  if (!::isatty(STDIN_FILENO))
    return fail(Error("system reset removes every image and container in " + root.native())
                    .with_hint("add -f to confirm"));
  std::fprintf(stderr,
               "WARNING! This removes all images, containers and the store %s.\n"
               "Are you sure you want to continue? [y/N] ",
               root.c_str());
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void add_system(Registry& registry) {
  registry.add("system df", "Show disk usage of the store",
               [&globals = registry.globals()] -> CommandResult {
                 store::Store store = SBX_TRY(open_store(globals));
                 store::DiskUsage usage = SBX_TRY(store.disk_usage());
                 std::fputs(disk_usage_table(usage).c_str(), stdout);
                 return 0;
               });
  auto force = std::make_shared<bool>(false);
  CLI::App* reset =
      registry.add("system reset", "Remove the whole store (images, layers, containers)",
                   [&globals = registry.globals(), force] -> CommandResult {
                     std::filesystem::path root = globals.root;
                     if (root.empty()) root = SBX_TRY(default_store_root());
                     if (!*force && !SBX_TRY(confirm_reset(root))) return 0;
                     SBX_TRY(containers::reset_store(root));
                     return 0;
                   });
  reset->add_flag("-f,--force", *force, "do not ask");
}

}  // namespace

void register_image_commands(Registry& registry) {
  add_pull(registry, "pull");
  add_pull(registry, "image pull");
  register_push_commands(registry);
  add_images(registry, "images");
  add_images(registry, "image ls");
  add_history(registry, "history");
  add_history(registry, "image history");
  add_inspect(registry, "inspect");
  add_inspect(registry, "image inspect");
  add_tag(registry, "tag");
  add_tag(registry, "image tag");
  add_rmi(registry, "rmi");
  add_rmi(registry, "image rm");
  add_image_prune(registry);
  add_import(registry, "import");
  add_import(registry, "image import");
  add_system(registry);
}

}  // namespace sbx::cli
