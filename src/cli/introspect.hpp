// The command line described for tools rather than users: the man pages are generated from
// `sandbox __dump-cli` and tested against it, and the shell completions ask
// `sandbox __complete`. Both read CLI11's own definitions, so neither can drift from them.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sbx::cli {

// Every visible command as JSON: {"name", "path", "summary", "options": [{"names", "value",
// "choices", "description", "repeatable"}], "positionals": [{"name", "description",
// "required", "repeatable"}], "commands": [...]}. "value" is "" for a flag.
nlohmann::json describe_command(const CLI::App& app, const std::string& path);

// A flag takes no value (--rm, --tls-verify, which also takes --tls-verify=false).
bool is_flag(const CLI::Option& option);

// The words an option's value may take, from a CLI::IsMember check ({"table", "json"}).
std::vector<std::string> option_choices(const CLI::Option& option);

// `sandbox __complete WORD...`: prints the candidates for the last WORD (the one being
// completed, possibly empty), one per line as "candidate<TAB>description". Returns 0, or
// kCompleteFiles when the shell should complete file names instead.
constexpr int kCompleteFiles = 3;
int complete_words(const CLI::App& app, const std::vector<std::string>& words);

// Runs `sandbox __dump-cli` or `sandbox __complete`, or returns nullopt when argv asks for
// neither. Every command group must be registered.
std::optional<int> run_tool_command(const CLI::App& app, int argc, char** argv);

}  // namespace sbx::cli
