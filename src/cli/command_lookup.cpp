#include "command_lookup.hpp"

#include <algorithm>
#include <numeric>

namespace sbx::cli {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates) {
  constexpr size_t kMaxEdits = 2;
  std::string best;
  size_t best_distance = kMaxEdits + 1;
  for (const std::string& candidate : candidates) {
    size_t distance = edit_distance(word, candidate);
    if (word.size() >= 2 && candidate.starts_with(word)) distance = std::min(distance, kMaxEdits);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

namespace {

// The visible commands of a group (hidden ones have an empty group name).
std::vector<std::string> visible_commands(const CLI::App& group) {
  std::vector<std::string> names;
  for (const CLI::App* sub : group.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  return names;
}

const CLI::App* find_subcommand(const CLI::App& group, std::string_view name) {
  for (const CLI::App* sub : group.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

}  // namespace

Status check_command_path(const CLI::App& app, const std::vector<std::string_view>& words,
                          bool help_asked) {
  const CLI::App* node = &app;
  std::string path = "sandbox";
  for (std::string_view word : words) {
    const CLI::App* next = find_subcommand(*node, word);
    if (!next) {
      Error error("unknown command \"" + std::string(word) + "\" for \"" + path + "\"");
      std::string near = nearest_word(word, visible_commands(*node));
      std::string help = "see '" + path + " --help' for its commands";
      return fail(std::move(error).with_hint(
          near.empty() ? help : "did you mean \"" + near + "\"? " + help));
    }
    node = next;
    path += " " + std::string(word);
    if (node->get_subcommands([](const CLI::App*) { return true; }).empty()) return {};
  }
  if (node != &app && !help_asked)
    return fail(Error("\"" + path + "\" requires a command")
                    .with_hint("see '" + path + " --help' for its commands"));
  return {};
}

Status check_no_unknown_flag(const std::vector<std::string>& rest, std::string_view command) {
  if (rest.empty() || rest[0].size() < 2 || rest[0][0] != '-') return {};
  std::string flag = rest[0].substr(0, rest[0].find('='));
  std::string path = "sandbox " + std::string(command);
  return fail(Error("unknown flag: " + flag + " for \"" + path + "\"")
                  .with_hint("see '" + path + " --help' for its flags"));
}

}  // namespace sbx::cli
