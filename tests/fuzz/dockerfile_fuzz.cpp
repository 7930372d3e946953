// Dockerfiles (Containerfiles) as `sandbox build` reads them, and the same
// bytes as a .dockerignore whose first line is a context path to check. A file
// that parses has stages in order, upper-case keywords with their line numbers,
// stages found again by name, a dependency set holding its target, and
// triggers and arguments that the build's later readers (ONBUILD, variable
// expansion, word splitting) take without crashing.
#include <algorithm>

#include "fuzz_support.hpp"
#include "sandbox/images/build_context.hpp"
#include "sandbox/images/dockerfile.hpp"

namespace {

using namespace sbx;

void check_instruction(const images::Instruction& ins, const images::Dockerfile& file) {
  SBX_FUZZ_CHECK(!ins.keyword.empty());
  SBX_FUZZ_CHECK(std::none_of(ins.keyword.begin(), ins.keyword.end(),
                              [](char c) { return c >= 'a' && c <= 'z'; }));
  SBX_FUZZ_CHECK(ins.line >= 1);
  std::map<std::string, std::string> vars{{"A", "x"}, {"B", "$A"}};
  (void)images::expand_variables(ins.args, vars, file.escape);
  (void)images::split_words(ins.args, file.escape);
  (void)images::parse_key_values(ins.args, ins.keyword == "ENV", file.escape);
  if (ins.keyword == "ONBUILD") {
    auto trigger = images::parse_trigger(ins.args);
    if (trigger)
      SBX_FUZZ_CHECK(trigger->keyword != "ONBUILD" && trigger->keyword != "FROM" &&
                     trigger->keyword != "MAINTAINER");
  }
}

void check_dockerfile(std::string_view text) {
  auto file = images::parse_dockerfile(text);
  if (!file) {
    SBX_FUZZ_CHECK(!file.error().message().empty());
    return;
  }
  SBX_FUZZ_CHECK(!file->stages.empty());
  SBX_FUZZ_CHECK(file->escape == '\\' || file->escape == '`');
  for (const images::Instruction& arg : file->global_args) SBX_FUZZ_CHECK(arg.keyword == "ARG");
  for (size_t i = 0; i < file->stages.size(); ++i) {
    const images::Stage& stage = file->stages[i];
    SBX_FUZZ_CHECK(stage.index == static_cast<int>(i));
    SBX_FUZZ_CHECK(!stage.base.empty());
    if (!stage.name.empty()) SBX_FUZZ_CHECK(images::find_stage(*file, stage.name) == i);
    for (const images::Instruction& ins : stage.instructions) {
      SBX_FUZZ_CHECK(ins.keyword != "FROM");
      SBX_FUZZ_CHECK(ins.line > stage.line);
      check_instruction(ins, *file);
    }
  }
  size_t target = file->stages.size() - 1;
  auto needed = images::stages_needed(*file, target, {});
  if (needed) {
    SBX_FUZZ_CHECK(std::is_sorted(needed->begin(), needed->end()));
    SBX_FUZZ_CHECK(!needed->empty() && needed->back() == target);
  }
}

// A pattern with no glob characters matches exactly itself.
void check_ignore(std::string_view text) {
  auto [path, rules_text] = fuzz::split_first_line(text);
  images::IgnoreRules rules = images::IgnoreRules::parse(rules_text);
  (void)rules.excluded(path);
  (void)images::match_glob(path, path);
  if (path.find_first_of("*?[\\") == std::string_view::npos)
    SBX_FUZZ_CHECK(images::match_glob(path, path));
  SBX_FUZZ_CHECK(images::match_glob("**", path));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = sbx::fuzz::as_text(data, size);
  check_dockerfile(text);
  check_ignore(text);
  return 0;
}
