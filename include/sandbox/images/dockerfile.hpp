// Dockerfiles (Containerfiles) as data: the parser (line continuations, the
// escape directive, comments, exec and shell forms, --flags, heredocs), build
// stages, variable expansion as the Dockerfile reference defines it. Pure:
// no files, no processes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::images {

struct Heredoc {
  std::string name;    // the terminator word
  std::string body;    // the lines between, each ending in '\n'
  bool expand = true;  // <<EOF expands variables; <<"EOF" and <<'EOF' do not
  bool chomp = false;  // <<-EOF strips leading tabs
};

struct Instruction {
  std::string keyword;   // upper case: RUN, COPY, ...
  std::string original;  // the instruction as written (continuations joined)
  std::string args;      // after the keyword and its flags, trimmed
  std::vector<std::pair<std::string, std::string>> flags;  // --name=value, in order
  std::optional<std::vector<std::string>> exec_form;       // a JSON array of strings
  std::vector<Heredoc> heredocs;
  int line = 0;  // 1-based line of the keyword
  // The value of flag `name` (the last one), if given.
  std::optional<std::string> flag(std::string_view name) const;
  std::vector<std::string> flag_all(std::string_view name) const;
};

struct Stage {
  std::string base;      // FROM's image (unexpanded): a name, another stage, scratch
  std::string name;      // AS name, lower case; empty when none
  std::string platform;  // --platform
  int index = 0;
  int line = 0;
  std::vector<Instruction> instructions;  // after FROM
};

struct Dockerfile {
  std::vector<Instruction> global_args;  // ARG before the first FROM
  std::vector<Stage> stages;
  char escape = '\\';
};

// Parses `text`; errors name the line: "line 3: unknown instruction: FOO".
Result<Dockerfile> parse_dockerfile(std::string_view text);

// One ONBUILD trigger from an image's config ("RUN make"): not ONBUILD,
// FROM or MAINTAINER, as docker rules; errors say why.
Result<Instruction> parse_trigger(std::string_view text);

// Expands $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word} (and the forms without
// ':') in `text` from `vars`; the escape character keeps a '$' literal.
// Quotes are kept. Unknown variables become "".
Result<std::string> expand_variables(std::string_view text,
                                     const std::map<std::string, std::string>& vars,
                                     char escape = '\\');

// Splits on unquoted whitespace, removing quotes and escapes ("a 'b c'" ->
// {a, b c}), as ENV, LABEL, COPY and friends read their arguments.
Result<std::vector<std::string>> split_words(std::string_view text, char escape = '\\');

// KEY=VALUE words (ENV, LABEL, ARG); the old "KEY VALUE" form when `legacy`.
Result<std::vector<std::pair<std::string, std::string>>> parse_key_values(std::string_view text,
                                                                          bool legacy,
                                                                          char escape = '\\');

// The stage named or numbered `name`; nullopt when none.
std::optional<size_t> find_stage(const Dockerfile& file, std::string_view name);

// The stages `target` needs (FROM and COPY --from / RUN --mount from= edges),
// in file order; FROM lines are expanded with `global_args`.
Result<std::vector<size_t>> stages_needed(const Dockerfile& file, size_t target,
                                          const std::map<std::string, std::string>& global_args);

}  // namespace sbx::images
