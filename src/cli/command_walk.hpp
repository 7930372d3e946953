// Where the words of a command line leave CLI11's parser: which command they
// reached, how many of its arguments came, and whether the last word was an
// option still waiting for its value. The shell completions ask it, and so
// does the fix-up of `--name=` before parsing.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sbx::cli {

struct CommandPosition {
  const CLI::App* app = nullptr;
  std::string path;                       // "system df"; "" at the top
  int arguments = 0;                      // arguments of `app` seen so far
  const CLI::Option* value_of = nullptr;  // the last word was this option, without its value
  bool options_ended = false;             // after `--`
  std::filesystem::path root;             // --root DIR
};

// A prefix command (run, exec, unshare) stops reading options at its first
// argument (the container's command follows); `--` ends them anywhere.
bool options_allowed(const CommandPosition& at);

// Moves `at` past one word.
void step_word(CommandPosition& at, const std::string& word);

CommandPosition walk_words(const CLI::App& top, std::span<const std::string> words);

// CLI11 2.1 reads `--name=` (an empty value) as `--name` and takes the next
// word as its value; docker reads the empty value (`--entrypoint=` clears the
// image's entrypoint, `--detach-keys=` turns detaching off). Returns the
// arguments (argv[1...]) with each such word split into `--name` and "". The
// container's command and what follows `--` stay as they are.
std::vector<std::string> split_empty_option_values(const CLI::App& top,
                                                   std::span<const std::string> args);

}  // namespace sbx::cli
