// `sandbox cp` and `sandbox diff` (containers/copy.hpp): files between a
// container and the host, and what a container changed. Output as docker.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "go_template.hpp"
#include "sandbox/containers/copy.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::cli {
namespace {

struct CpFlags {
  containers::CopyOptions options;
  std::string src;
  std::string dest;
};

void add_cp(Registry& registry, const std::string& path) {
  auto f = std::make_shared<CpFlags>();
  CLI::App* cmd = registry.add(
      path, "Copy files between a container and the host",
      [&globals = registry.globals(), f]() -> CommandResult {
        if (f->dest == "-" && ::isatty(STDOUT_FILENO))
          return fail(Error("refusing to write an archive to a terminal")
                          .with_hint("redirect it: sandbox cp " + f->src + " - > FILE.tar"));
        store::Store store = SBX_TRY(store::Store::open(globals.root));
        auto warnings = SBX_TRY(containers::copy_files(store, f->src, f->dest, f->options,
                                                       STDIN_FILENO, STDOUT_FILENO));
        for (const std::string& warning : warnings)
          std::fprintf(stderr, "warning: %s\n", warning.c_str());
        return 0;
      });
  cmd->footer(
      "Either SRC or DEST is CONTAINER:PATH, the other a host path; '-' is a tar archive on\n"
      "stdin (SRC) or stdout (DEST). Paths in the container are resolved inside its root.");
  cmd->add_flag("-a,--archive", f->options.archive,
                "keep uid/gid (through the container's id mapping) when copying in");
  cmd->add_flag("-L,--follow-link", f->options.follow_link, "follow a symlink given as SRC");
  cmd->add_option("SRC", f->src, "CONTAINER:PATH, a host path or -")->required();
  cmd->add_option("DEST", f->dest, "CONTAINER:PATH, a host path or -")->required();
}

struct DiffFlags {
  std::string container;
  std::string format;
};

// podman's `diff --format json`: the paths grouped by kind.
std::string changes_json(const std::vector<rootfs::LayerChange>& changes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [kind, key] : {std::pair{'C', "changed"}, {'A', "added"}, {'D', "deleted"}}) {
    nlohmann::ordered_json paths = nlohmann::ordered_json::array();
    for (const auto& change : changes)
      if (change.kind == kind) paths.push_back(change.path);
    if (!paths.empty()) out[key] = paths;
  }
  return out.dump(4) + "\n";
}

Result<std::string> format_changes(const std::vector<rootfs::LayerChange>& changes,
                                   const std::string& format) {
  if (format.empty()) {
    std::string text;
    for (const auto& change : changes)
      text += std::string(1, change.kind) + " " + change.path + "\n";
    return text;
  }
  if (format == "json") return changes_json(changes);
  if (!is_go_template(format)) return fail(unknown_format(format));
  std::vector<nlohmann::json> rows;
  for (const auto& change : changes)
    rows.push_back({{"Kind", std::string(1, change.kind)}, {"Path", change.path}});
  return render_rows(format, rows);
}

void add_diff(Registry& registry, const std::string& path) {
  auto f = std::make_shared<DiffFlags>();
  CLI::App* cmd =
      registry.add(path, "Show the changes to a container's file system against its image",
                   [&globals = registry.globals(), f]() -> CommandResult {
                     store::Store store = SBX_TRY(store::Store::open(globals.root));
                     auto changes = SBX_TRY(containers::container_diff(store, f->container));
                     std::string text = SBX_TRY(format_changes(changes, f->format));
                     std::fputs(text.c_str(), stdout);
                     return 0;
                   });
  cmd->add_option("--format", f->format, "json, or a Go template over .Kind and .Path");
  cmd->add_option("CONTAINER", f->container, "container name or id")->required();
}

}  // namespace

void register_cp_commands(Registry& registry) {
  add_cp(registry, "cp");
  add_cp(registry, "container cp");
  add_diff(registry, "diff");
  add_diff(registry, "container diff");
}

}  // namespace sbx::cli
