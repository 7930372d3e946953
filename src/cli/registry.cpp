// Registry: the commands each cmd_*.cpp adds, and the action of the one chosen. In the
// library (not main.cpp), so that a unit test linking a command file links this too.
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"

namespace sbx::cli {

CLI::App* Registry::add(const std::string& path, const std::string& summary, CommandFn action) {
  // "system df": find or make each parent group, then add the leaf.
  CLI::App* parent = &app_;
  std::string rest = path;
  for (size_t space; (space = rest.find(' ')) != std::string::npos; rest.erase(0, space + 1)) {
    std::string group = rest.substr(0, space);
    CLI::App* found = nullptr;
    for (CLI::App* sub : parent->get_subcommands({}))
      if (sub->get_name() == group) found = sub;
    if (!found) {
      found = parent->add_subcommand(group, "Manage " + group);
      found->require_subcommand(1);
    }
    parent = found;
  }
  CLI::App* sub = parent->add_subcommand(rest, summary);
  actions_.emplace_back(sub, std::move(action));
  return sub;
}

bool Registry::has(const std::vector<std::string_view>& words) const {
  const CLI::App* node = &app_;
  for (std::string_view word : words) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : node->get_subcommands({}))
      if (sub->get_name() == word) next = sub;
    if (!next) return false;
    node = next;
    if (node->get_subcommands({}).empty()) return true;  // a command, not a group
  }
  return false;
}

CommandFn* Registry::chosen() {
  for (auto& [sub, action] : actions_)
    if (sub->parsed()) return &action;
  return nullptr;
}

}  // namespace sbx::cli
