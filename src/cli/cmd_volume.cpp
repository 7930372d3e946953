// `sandbox volume create|ls|inspect|rm|prune`: named volumes in the store
// (containers/volumes.hpp). Output as docker prints it.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "go_template.hpp"
#include "output.hpp"
#include "sandbox/containers/volumes.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::cli {
namespace {

using VolumeJson = nlohmann::ordered_json;
using containers::VolumeInfo;
using containers::Volumes;

Result<Volumes> open_volumes(const GlobalOptions& globals) {
  auto store = SBX_TRY(store::Store::open(globals.root));
  return Volumes::open(store.root());
}

// `--label a=b NAME`: an option takes one value, the rest are positionals.
void one_value_per_option(CLI::App* cmd) {
  for (CLI::Option* option : cmd->get_options())
    if (!option->get_positional()) option->allow_extra_args(false);
}

void report(const Error& error) {
  std::fprintf(stderr, "sandbox: %s\n", error.message().c_str());
  if (!error.hint().empty()) std::fprintf(stderr, "hint: %s\n", error.hint().c_str());
}

// docker's `volume inspect` object; an anonymous volume carries docker's label.
VolumeJson volume_json(const VolumeInfo& v) {
  VolumeJson labels = VolumeJson::object();
  for (const auto& [k, value] : v.labels) labels[k] = value;
  if (v.anonymous) labels["com.docker.volume.anonymous"] = "";
  return {
      {"CreatedAt", v.created_at},  {"Driver", "local"},       {"Labels", labels},
      {"Mountpoint", v.mountpoint}, {"Name", v.name},          {"Options", VolumeJson::object()},
      {"Scope", "local"},           {"Anonymous", v.anonymous}};
}

struct CreateFlags {
  std::string name;
  std::vector<std::string> labels;
  std::vector<std::string> options;
};

void add_create(Registry& registry) {
  auto f = std::make_shared<CreateFlags>();
  CLI::App* cmd = registry.add(
      "volume create", "Create a volume", [&globals = registry.globals(), f]() -> CommandResult {
        if (!f->options.empty())
          return fail(Error("volume create: driver options are not supported")
                          .with_hint("drop -o/--opt: volumes are directories in the store"));
        auto volumes = SBX_TRY(open_volumes(globals));
        auto labels = SBX_TRY_CTX(containers::parse_labels(f->labels), "--label");
        auto v = SBX_TRY(volumes.create({.name = f->name, .labels = labels}));
        std::printf("%s\n", v.name.c_str());
        return 0;
      });
  cmd->add_option("NAME", f->name, "volume name (default: a random one)");
  cmd->add_option("-l,--label", f->labels, "KEY=VALUE metadata");
  cmd->add_option("-o,--opt", f->options, "driver options (not supported)");
  cmd->add_option("-d,--driver", "volume driver (only local)")->check(CLI::IsMember({"local"}));
  one_value_per_option(cmd);
}

struct ListFlags {
  bool quiet = false;
  std::string format = "table";
  std::vector<std::string> filters;
};

// One row of `volume ls --format TEMPLATE`, docker's fields: Labels as
// "k=v,k2=v2", Label needs an argument in docker and is left out.
nlohmann::json volume_row(const VolumeInfo& v) {
  std::string labels;
  for (const auto& [k, value] : v.labels) labels += (labels.empty() ? "" : ",") + k + "=" + value;
  return {{"Name", v.name},   {"Driver", "local"},
          {"Scope", "local"}, {"Mountpoint", v.mountpoint},
          {"Labels", labels}, {"CreatedAt", v.created_at}};
}

Result<std::string> render_volumes(const std::vector<VolumeInfo>& list, const ListFlags& f) {
  std::string out;
  if (f.quiet) {
    for (const auto& v : list) out += v.name + "\n";
  } else if (f.format == "json") {
    VolumeJson array = VolumeJson::array();
    for (const auto& v : list) array.push_back(volume_json(v));
    out = array.dump(4) + "\n";
  } else if (is_go_template(f.format)) {
    std::vector<nlohmann::json> rows;
    for (const auto& v : list) rows.push_back(volume_row(v));
    out = SBX_TRY(render_rows(f.format, rows, {{"Name", "VOLUME NAME"}}));
  } else {
    Table table({"DRIVER", "VOLUME NAME"});
    for (const auto& v : list) table.add_row({"local", v.name});
    out = table.render();
  }
  return out;
}

void add_ls(Registry& registry) {
  auto f = std::make_shared<ListFlags>();
  CLI::App* cmd = registry.add(
      "volume ls", "List volumes", [&globals = registry.globals(), f]() -> CommandResult {
        auto volumes = SBX_TRY(open_volumes(globals));
        auto filter = SBX_TRY_CTX(containers::parse_volume_filters(f->filters), "--filter");
        auto list = SBX_TRY(volumes.list(filter));
        std::fputs(SBX_TRY(render_volumes(list, *f)).c_str(), stdout);
        return 0;
      });
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", f->quiet, "print only volume names");
  cmd->add_option("-f,--filter", f->filters, "name=NAME, label=KEY[=VALUE], dangling=true|false");
  cmd->add_option("--format", f->format,
                  "table, json or a Go template ('{{.Name}}', 'table {{.Name}}\\t{{.Mountpoint}}')")
      ->check(list_format_problem);
  one_value_per_option(cmd);
}

void add_inspect(Registry& registry) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = registry.add("volume inspect", "Show volumes in detail (JSON)",
                               [&globals = registry.globals(), names]() -> CommandResult {
                                 auto volumes = SBX_TRY(open_volumes(globals));
                                 VolumeJson array = VolumeJson::array();
                                 for (const auto& name : *names)
                                   array.push_back(volume_json(SBX_TRY(volumes.inspect(name))));
                                 std::printf("%s\n", array.dump(4).c_str());
                                 return 0;
                               });
  cmd->add_option("VOLUME", *names, "volume names")->required();
}

struct RemoveFlags {
  bool force = false;
  std::vector<std::string> names;
};

void add_rm(Registry& registry) {
  auto f = std::make_shared<RemoveFlags>();
  CLI::App* cmd = registry.add("volume rm", "Remove volumes",
                               [&globals = registry.globals(), f]() -> CommandResult {
                                 auto volumes = SBX_TRY(open_volumes(globals));
                                 int status = 0;
                                 for (const auto& name : f->names) {
                                   if (auto removed = volumes.remove(name, f->force); !removed) {
                                     report(removed.error());
                                     status = kExitCommandFailed;
                                     continue;
                                   }
                                   std::printf("%s\n", name.c_str());
                                 }
                                 return status;
                               });
  cmd->alias("remove");
  cmd->add_flag("-f,--force", f->force, "no error for a volume that does not exist");
  cmd->add_option("VOLUME", f->names, "volume names")->required();
}

struct VolumePruneFlags {
  bool force = false;
  std::vector<std::string> filters;
};

void add_volume_prune(Registry& registry) {
  auto f = std::make_shared<VolumePruneFlags>();
  CLI::App* cmd = registry.add(
      "volume prune", "Remove the volumes no container uses",
      [&globals = registry.globals(), f]() -> CommandResult {
        auto volumes = SBX_TRY(open_volumes(globals));
        auto filter = SBX_TRY_CTX(containers::parse_volume_filters(f->filters), "--filter");
        if (filter.terms.contains("dangling"))
          return fail(
              "--filter: prune removes dangling volumes only; dangling= is not a filter here");
        auto removed = SBX_TRY(volumes.prune(filter));
        if (!removed.empty()) std::printf("Deleted Volumes:\n");
        for (const auto& name : removed) std::printf("%s\n", name.c_str());
        return 0;
      });
  cmd->add_flag("-f,--force", f->force, "do not ask (sandbox never asks)");
  cmd->add_option("--filter", f->filters, "name=NAME, label=KEY[=VALUE]");
  one_value_per_option(cmd);
}

}  // namespace

void register_volume_commands(Registry& registry) {
  for (auto add : {add_create, add_ls, add_inspect, add_rm, add_volume_prune}) add(registry);
}

}  // namespace sbx::cli
