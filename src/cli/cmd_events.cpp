// `sandbox events` (the store's event log, followed as docker does) and
// `sandbox system prune` (containers, networks, images, volumes at once).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "cli.hpp"
#include "event_filter.hpp"
#include "go_template.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/maintenance.hpp"
#include "sandbox/containers/networks.hpp"
#include "sandbox/containers/volumes.hpp"
#include "sandbox/store/events.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::cli {
namespace {

int64_t now_nano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct EventsFlags {
  std::string since, until, format;
  std::vector<std::string> filters;
};

Status print_event(const store::Event& event, const std::string& format) {
  if (format.empty()) {
    std::printf("%s\n", event_text(event).c_str());
  } else if (format == "json") {
    std::printf("%s\n", event_document(event).dump().c_str());
  } else {
    std::string line = SBX_TRY(render_template(format, event_document(event)));
    std::printf("%s\n", line.c_str());
  }
  return {};
}

// Without --since: only what happens from now on. Without --until: follows
// until interrupted; with it, stops once that time has passed.
CommandResult events(const GlobalOptions& globals, const EventsFlags& f) {
  if (!f.format.empty() && f.format != "json" && !is_go_template(f.format))
    return fail(unknown_format(f.format));
  int64_t now = now_nano();
  std::optional<int64_t> since, until;
  if (!f.since.empty()) since = SBX_TRY_CTX(parse_event_time(f.since, now), "--since");
  if (!f.until.empty()) until = SBX_TRY_CTX(parse_event_time(f.until, now), "--until");
  EventFilter filter = SBX_TRY(EventFilter::parse(f.filters));
  auto store = SBX_TRY(store::Store::open(globals.root));
  auto watch = SBX_TRY(store::EventLogWatch::open(store.root()));  // before the first read
  uint64_t offset = 0;
  if (!since && !until) (void)store::read_events(store.root(), offset);  // skip the past
  for (;;) {
    bool over = until && now_nano() > *until;  // read once more after the end
    for (const auto& event : SBX_TRY(store::read_events(store.root(), offset))) {
      if (since && event.time_nano < *since) continue;
      if (until && event.time_nano > *until) continue;
      if (filter.matches(event)) SBX_TRY(print_event(event, f.format));
    }
    std::fflush(stdout);
    if (over) return 0;
    // Asleep until the log grows (or --until passes: then one last read).
    int timeout_ms = -1;
    if (until)
      timeout_ms = static_cast<int>(std::clamp<int64_t>((*until - now_nano()) / 1'000'000 + 1, 0,
                                                        std::numeric_limits<int>::max()));
    SBX_TRY(watch.wait(timeout_ms));
  }
}

void add_events(Registry& registry) {
  auto f = std::make_shared<EventsFlags>();
  CLI::App* cmd = registry.add(
      "events", "Get real time events from the store's event log",
      [&globals = registry.globals(), f]() -> CommandResult { return events(globals, *f); });
  cmd->add_option("--since", f->since,
                  "Show events since this time (unix seconds, RFC 3339 or a part of it, local "
                  "without a zone, or a duration back from now: 10m)");
  cmd->add_option("--until", f->until,
                  "Stop at this time, same forms (without it: follow until interrupted)");
  cmd->add_option("-f,--filter", f->filters,
                  "KEY=VALUE: type (container, image), event, container, image");
  cmd->add_option("--format", f->format, "json or a Go template ('{{.Action}} {{.Actor.ID}}')");
}

struct SystemPruneFlags {
  bool all = false, volumes = false, force = false;
};

Result<bool> confirm_system_prune(const SystemPruneFlags& f) {
  std::string what = "all stopped containers, all networks not used by a container, ";
  what += f.all ? "all images without at least one container associated to them"
                : "all dangling images";
  if (f.volumes) what += ", all volumes not used by a container";
  if (!::isatty(STDIN_FILENO))
    return fail(Error("system prune removes " + what).with_hint("add -f to confirm"));
  std::fprintf(stderr,
               "WARNING! This will remove %s, and the build cache.\n"
               "Are you sure you want to continue? [y/N] ",
               what.c_str());
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void print_list(const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  std::printf("%s\n", title);
  for (const auto& item : items) std::printf("%s\n", item.c_str());
  std::printf("\n");
}

CommandResult system_prune(const GlobalOptions& globals, const SystemPruneFlags& f) {
  if (!f.force && !SBX_TRY(confirm_system_prune(f))) return 0;
  auto store = SBX_TRY(store::Store::open(globals.root));
  auto containers = SBX_TRY(containers::Containers::open(store.root()));
  print_list("Deleted Containers:", SBX_TRY(containers::prune_containers(containers)));
  print_list("Deleted Networks:", SBX_TRY(containers::prune_networks(containers)));
  if (f.volumes) {
    auto volumes = SBX_TRY(containers::Volumes::open(store.root()));
    print_list("Deleted Volumes:", SBX_TRY(volumes.prune({})));
  }
  // Build steps are images (`images -a`): the build cache goes with them.
  store::PruneResult pruned = SBX_TRY(containers::prune_images(store, f.all));
  std::vector<std::string> images;
  for (const auto& id : pruned.images) images.push_back("deleted: " + id.str());
  print_list("Deleted Images:", images);
  std::printf("Total reclaimed space: %s\n",
              human_size(static_cast<double>(pruned.reclaimed_bytes)).c_str());
  return 0;
}

void add_system_prune(Registry& registry) {
  auto f = std::make_shared<SystemPruneFlags>();
  CLI::App* cmd = registry.add(
      "system prune", "Remove stopped containers, unused networks, dangling images, build cache",
      [&globals = registry.globals(), f]() -> CommandResult { return system_prune(globals, *f); });
  cmd->add_flag("-a,--all", f->all, "Remove all unused images, not just dangling ones");
  cmd->add_flag("--volumes", f->volumes, "Prune the volumes no container uses too");
  cmd->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
}

}  // namespace

void register_events_commands(Registry& registry) {
  add_events(registry);
  add_system_prune(registry);
}

}  // namespace sbx::cli
