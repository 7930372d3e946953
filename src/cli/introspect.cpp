// `sandbox __dump-cli`: CLI11's definitions of every visible command as JSON.
#include "introspect.hpp"

#include <cstdio>
#include <string_view>

namespace sbx::cli {
namespace {

bool hidden(const CLI::App& app) { return app.get_group().empty(); }
bool hidden(const CLI::Option& option) { return option.get_group().empty(); }

// "TEXT:{table,json}" -> "TEXT": the value's type without its checks.
std::string value_name(const CLI::Option& option) {
  std::string type = option.get_type_name();
  return type.substr(0, type.find(':'));
}

nlohmann::json describe_option(const CLI::Option& option) {
  auto names = nlohmann::json::array();
  for (const std::string& name : option.get_snames()) names.push_back("-" + name);
  for (const std::string& name : option.get_lnames()) names.push_back("--" + name);
  return {{"names", names},
          {"value", is_flag(option) ? "" : value_name(option)},
          {"choices", option_choices(option)},
          {"description", option.get_description()},
          {"repeatable", option.get_expected_max() > 1}};
}

nlohmann::json describe_positional(const CLI::Option& option) {
  return {{"name", option.get_name()},
          {"description", option.get_description()},
          {"required", option.get_required()},
          {"repeatable", option.get_items_expected_max() > 1}};
}

}  // namespace

bool is_flag(const CLI::Option& option) {
  // CLI11 gives a flag one item of one value, expected zero times.
  return option.get_expected_max() == 0;
}

std::vector<std::string> option_choices(const CLI::Option& option) {
  // CLI::IsMember describes itself as "{a,b,c}" after the type name.
  std::string type = option.get_type_name();
  size_t open = type.find(":{");
  size_t close = type.find('}', open);
  std::vector<std::string> choices;
  if (open == std::string::npos || close == std::string::npos) return choices;
  std::string_view list(type.data() + open + 2, close - open - 2);
  while (!list.empty()) {
    size_t comma = list.find(',');
    choices.emplace_back(list.substr(0, comma));
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return choices;
}

nlohmann::json describe_command(const CLI::App& app, const std::string& path) {
  nlohmann::json out = {{"name", app.get_name()},
                        {"path", path},
                        {"summary", app.get_description()},
                        {"options", nlohmann::json::array()},
                        {"positionals", nlohmann::json::array()},
                        {"commands", nlohmann::json::array()}};
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_positional() && !option->nonpositional())
      out["positionals"].push_back(describe_positional(*option));
    else if (!hidden(*option))
      out["options"].push_back(describe_option(*option));
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (hidden(*sub)) continue;
    std::string sub_path = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    out["commands"].push_back(describe_command(*sub, sub_path));
  }
  return out;
}

std::optional<int> run_tool_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  std::string_view tool = argv[1];
  if (tool == "__dump-cli") {
    std::printf("%s\n", describe_command(app, "").dump(2).c_str());
    return 0;
  }
  if (tool == "__complete") return complete_words(app, {argv + 2, argv + argc});
  return std::nullopt;
}

}  // namespace sbx::cli
