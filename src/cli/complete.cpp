// `sandbox __complete WORD...`: what bash, zsh and fish offer at TAB. Commands and options
// come from CLI11's definitions; container and image arguments from the store.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <span>
#include <string_view>

#include "command_walk.hpp"
#include "introspect.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::cli {
namespace {

enum class Values { kNone, kFiles, kContainers, kRunning, kImages, kContainersAndImages };

// What a command's arguments (words that are neither options nor their values) name:
// `first` for the first argument, `rest` for each later one.
struct ArgumentKinds {
  std::string_view path;
  Values first;
  Values rest;
};
// clang-format off
constexpr ArgumentKinds kArguments[] = {
    {"run", Values::kImages, Values::kFiles},  // then the container's command
    {"create", Values::kImages, Values::kFiles},
    {"attach", Values::kRunning, Values::kNone},
    {"pause", Values::kRunning, Values::kRunning},
    {"unpause", Values::kRunning, Values::kRunning},
    {"exec", Values::kRunning, Values::kFiles},
    {"unshare", Values::kFiles, Values::kFiles},
    {"logs", Values::kContainers, Values::kNone},
    {"top", Values::kRunning, Values::kNone},
    {"port", Values::kRunning, Values::kNone},
    {"stop", Values::kRunning, Values::kRunning},
    {"kill", Values::kRunning, Values::kRunning},
    {"restart", Values::kContainers, Values::kContainers},
    {"start", Values::kContainers, Values::kContainers},
    {"wait", Values::kContainers, Values::kContainers},
    {"rm", Values::kContainers, Values::kContainers},
    {"container rm", Values::kContainers, Values::kContainers},
    {"rename", Values::kContainers, Values::kNone},
    {"update", Values::kContainers, Values::kContainers},
    {"stats", Values::kRunning, Values::kRunning},
    {"commit", Values::kContainers, Values::kImages},
    {"export", Values::kContainers, Values::kNone},
    {"inspect", Values::kContainersAndImages, Values::kContainersAndImages},
    {"image inspect", Values::kImages, Values::kImages},
    {"rmi", Values::kImages, Values::kImages},
    {"image rm", Values::kImages, Values::kImages},
    {"tag", Values::kImages, Values::kImages},
    {"save", Values::kImages, Values::kImages},
    {"history", Values::kImages, Values::kNone},
    {"image history", Values::kImages, Values::kNone},
    {"push", Values::kImages, Values::kNone},
    {"image push", Values::kImages, Values::kNone},
    {"import", Values::kFiles, Values::kNone},
    {"build", Values::kFiles, Values::kNone},
};
// clang-format on

Values argument_values(const CommandPosition& at) {
  for (const ArgumentKinds& kinds : kArguments)
    if (kinds.path == at.path) return at.arguments == 0 ? kinds.first : kinds.rest;
  return Values::kNone;
}

using Candidates = std::set<std::pair<std::string, std::string>>;  // word, description

void add_containers(const CommandPosition& at, bool running_only, bool with_ids, Candidates& out) {
  auto records = containers::Containers::open(at.root);
  if (!records) return;
  auto list = records->list();
  if (!list) return;
  for (const containers::ContainerInfo& info : *list) {
    bool running = info.status == containers::ContainerStatus::kRunning;
    if (running_only && !running) continue;
    std::string what = "container " + info.image + (running ? ", running" : "");
    if (!info.name.empty()) out.emplace(info.name, what);
    if (with_ids || info.name.empty()) out.emplace(info.id.substr(0, 12), what);
  }
}

void add_images(const CommandPosition& at, Candidates& out) {
  auto store = store::Store::open(at.root);
  if (!store) return;
  auto images = store->images();
  if (!images) return;
  for (const store::ImageRecord& image : *images) {
    for (const std::string& canonical : image.repo_tags) {
      store::DisplayName shown = store::display_name(canonical);
      out.emplace(shown.repository + ":" + shown.tag, "image");
      if (shown.tag == "latest") out.emplace(shown.repository, "image");
    }
  }
}

// Containers and images of the store; nothing (and no store made) when it does not exist.
int add_store_values(CommandPosition at, Values values, const std::string& word, Candidates& out) {
  if (at.root.empty()) {
    auto root = default_store_root();
    if (!root) return 0;
    at.root = *root;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(at.root, ec)) return 0;
  bool with_ids = !word.empty();
  if (values == Values::kContainers || values == Values::kContainersAndImages)
    add_containers(at, false, with_ids, out);
  if (values == Values::kRunning) add_containers(at, true, with_ids, out);
  if (values == Values::kImages || values == Values::kContainersAndImages) add_images(at, out);
  return 0;
}

void add_options(const CLI::App& app, Candidates& out) {
  for (const CLI::Option* option : app.get_options()) {
    if (!option->nonpositional() || option->get_group().empty()) continue;
    if (!option->get_lnames().empty()) {
      for (const std::string& name : option->get_lnames())
        out.emplace("--" + name, option->get_description());
    } else {
      for (const std::string& name : option->get_snames())
        out.emplace("-" + name, option->get_description());
    }
  }
}

int candidates_for(const CommandPosition& at, const std::string& word, Candidates& out) {
  if (at.value_of) {
    std::vector<std::string> choices = option_choices(*at.value_of);
    for (const std::string& choice : choices) out.emplace(choice, "");
    return choices.empty() ? kCompleteFiles : 0;
  }
  if (word.starts_with('-') && options_allowed(at)) {
    add_options(*at.app, out);
    return 0;
  }
  if (at.arguments == 0 && !at.app->get_subcommands({}).empty()) {
    for (const CLI::App* sub : at.app->get_subcommands({}))
      if (!sub->get_group().empty()) out.emplace(sub->get_name(), sub->get_description());
    return 0;
  }
  Values values = argument_values(at);
  if (values == Values::kFiles) return kCompleteFiles;
  if (values == Values::kNone) return 0;
  return add_store_values(at, values, word, out);
}

}  // namespace

int complete_words(const CLI::App& app, const std::vector<std::string>& words) {
  std::string word = words.empty() ? "" : words.back();
  std::span<const std::string> done(words.data(), words.empty() ? 0 : words.size() - 1);
  Candidates candidates;
  int status = candidates_for(walk_words(app, done), word, candidates);
  for (const auto& [candidate, description] : candidates) {
    if (!candidate.starts_with(word)) continue;
    std::string line = candidate;
    if (!description.empty()) line += "\t" + description.substr(0, description.find('\n'));
    std::printf("%s\n", line.c_str());
  }
  return status;
}

}  // namespace sbx::cli
