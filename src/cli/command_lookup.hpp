// Finding the command that argv names, and saying so when there is none:
// `unknown command "bogus" for "sandbox"`, with the nearest command as a hint.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::cli {

// Levenshtein distance (insert, delete, substitute; each costs 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` (at most 2 edits away, or one it starts
// with), or "" when none is near.
std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates);

// Checks that `words` (the command's words, as main finds them) walk from `app`
// to a command: an unknown word is an error naming it and the group it was
// looked up in; a group without its command ("sandbox system") too, unless
// `help_asked` (its help is asked for).
Status check_command_path(const CLI::App& app, const std::vector<std::string_view>& words,
                          bool help_asked = false);

// `run` and `exec` stop parsing at their first positional word (IMAGE,
// CONTAINER): a word before it that looks like a flag is one they do not know
// (`run --restart always IMG`), said as such instead of as a bad image name.
Status check_no_unknown_flag(const std::vector<std::string>& rest, std::string_view command);

}  // namespace sbx::cli
