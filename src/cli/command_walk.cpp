#include "command_walk.hpp"

#include "introspect.hpp"

namespace sbx::cli {
namespace {

const CLI::App* find_visible_subcommand(const CLI::App& app, std::string_view word) {
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty() && sub->check_name(std::string(word))) return sub;
  return nullptr;
}

// The option a word names (`--name`, `--name=value`, `-n`) if it takes a value.
const CLI::Option* valued_option(const CLI::App& app, std::string_view word) {
  std::string name(word.substr(0, word.find('=')));
  // "-it" or "-p8080": short flags together, or a value in the same word.
  if (!name.starts_with("--") && name.size() > 2) return nullptr;
  const CLI::Option* option = app.get_option_no_throw(name);
  return option && !is_flag(*option) ? option : nullptr;
}

void read_option(CommandPosition& at, std::string_view word) {
  const CLI::Option* option = valued_option(*at.app, word);
  if (!option) return;
  size_t equals = word.find('=');
  if (equals == std::string_view::npos)
    at.value_of = option;
  else if (at.path.empty() && option->check_lname("root"))
    at.root = word.substr(equals + 1);
}

}  // namespace

bool options_allowed(const CommandPosition& at) {
  return !at.options_ended && !(at.app->get_prefix_command() && at.arguments > 0);
}

void step_word(CommandPosition& at, const std::string& word) {
  if (at.value_of) {
    if (at.path.empty() && at.value_of->check_lname("root")) at.root = word;
    at.value_of = nullptr;
  } else if (word == "--" && options_allowed(at)) {
    at.options_ended = true;
  } else if (word.size() > 1 && word.starts_with('-') && options_allowed(at)) {
    read_option(at, word);
  } else if (const CLI::App* sub =
                 at.arguments == 0 ? find_visible_subcommand(*at.app, word) : nullptr) {
    at.app = sub;
    at.path = at.path.empty() ? word : at.path + " " + word;
  } else {
    ++at.arguments;
  }
}

CommandPosition walk_words(const CLI::App& top, std::span<const std::string> words) {
  CommandPosition at{.app = &top};
  for (const std::string& word : words) step_word(at, word);
  return at;
}

std::vector<std::string> split_empty_option_values(const CLI::App& top,
                                                   std::span<const std::string> args) {
  std::vector<std::string> out;
  CommandPosition at{.app = &top};
  for (const std::string& word : args) {
    bool empty_value = word.starts_with("--") && word.size() > 3 && word.back() == '=' &&
                       word.find('=') == word.size() - 1 && !at.value_of && options_allowed(at) &&
                       valued_option(*at.app, word);
    if (!empty_value) {
      out.push_back(word);
      step_word(at, word);
      continue;
    }
    std::string name = word.substr(0, word.size() - 1);
    out.push_back(name);
    out.emplace_back();
    step_word(at, name);
    step_word(at, "");
  }
  return out;
}

}  // namespace sbx::cli
