// The Dockerfile parser: forms, flags, continuations, directives, heredocs,
// stages and the errors that name their line.
#include "sandbox/images/dockerfile.hpp"

#include <gtest/gtest.h>

namespace sbx::images {
namespace {

Dockerfile parse_ok(std::string_view text) {
  auto parsed = parse_dockerfile(text);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message());
  return parsed ? *parsed : Dockerfile{};
}

std::string parse_error(std::string_view text) {
  auto parsed = parse_dockerfile(text);
  EXPECT_FALSE(parsed);
  return parsed ? "" : parsed.error().message();
}

TEST(Dockerfile, InstructionsFormsAndLines) {
  Dockerfile file = parse_ok(
      "# a comment\n"
      "FROM busybox AS Base\n"
      "\n"
      "run echo hi\n"
      "CMD [\"/bin/sh\", \"-c\", \"echo\"]\n"
      "ENTRYPOINT [not json\n");
  ASSERT_EQ(file.stages.size(), 1u);
  const Stage& stage = file.stages[0];
  EXPECT_EQ(stage.base, "busybox");
  EXPECT_EQ(stage.name, "base");
  EXPECT_EQ(stage.line, 2);
  ASSERT_EQ(stage.instructions.size(), 3u);
  EXPECT_EQ(stage.instructions[0].keyword, "RUN");
  EXPECT_EQ(stage.instructions[0].args, "echo hi");
  EXPECT_EQ(stage.instructions[0].line, 4);
  EXPECT_FALSE(stage.instructions[0].exec_form);
  ASSERT_TRUE(stage.instructions[1].exec_form);
  EXPECT_EQ(*stage.instructions[1].exec_form, (std::vector<std::string>{"/bin/sh", "-c", "echo"}));
  EXPECT_FALSE(stage.instructions[2].exec_form);  // shell form, as docker
}

TEST(Dockerfile, ContinuationsSkipCommentsAndBlankLines) {
  Dockerfile file = parse_ok(
      "FROM scratch\n"
      "RUN echo a \\\n"
      "# a comment inside\n"
      "\n"
      "    && echo b\n"
      "LABEL x=1\n");
  const auto& ins = file.stages[0].instructions;
  ASSERT_EQ(ins.size(), 2u);
  EXPECT_EQ(ins[0].args, "echo a     && echo b");
  EXPECT_EQ(ins[0].line, 2);
  EXPECT_EQ(ins[1].line, 6);
}

TEST(Dockerfile, EscapeDirectiveBacktick) {
  Dockerfile file = parse_ok(
      "# escape=`\n"
      "FROM scratch\n"
      "COPY a `\n"
      "  c:\\dir\\\n");
  EXPECT_EQ(file.escape, '`');
  EXPECT_EQ(file.stages[0].instructions[0].args, "a   c:\\dir\\");
}

TEST(Dockerfile, DirectiveAfterInstructionIsAComment) {
  Dockerfile file = parse_ok("FROM scratch\n# escape=`\nRUN a \\\n b\n");
  EXPECT_EQ(file.escape, '\\');
  EXPECT_EQ(file.stages[0].instructions[0].args, "a  b");
}

TEST(Dockerfile, Flags) {
  Dockerfile file = parse_ok(
      "FROM --platform=linux/amd64 busybox\n"
      "COPY --from=base --chown=1:2 --chmod=755 a b /dst/\n"
      "RUN --mount=type=cache,target=/c --network=none make\n");
  EXPECT_EQ(file.stages[0].platform, "linux/amd64");
  const auto& copy = file.stages[0].instructions[0];
  EXPECT_EQ(copy.flag("from"), "base");
  EXPECT_EQ(copy.flag("chown"), "1:2");
  EXPECT_EQ(copy.flag("chmod"), "755");
  EXPECT_EQ(copy.args, "a b /dst/");
  const auto& run = file.stages[0].instructions[1];
  EXPECT_EQ(run.flag_all("mount"), (std::vector<std::string>{"type=cache,target=/c"}));
  EXPECT_EQ(run.flag("network"), "none");
  EXPECT_EQ(run.args, "make");
}

TEST(Dockerfile, Heredocs) {
  Dockerfile file = parse_ok(
      "FROM scratch\n"
      "RUN <<EOF\n"
      "echo one\n"
      "echo $HOME\n"
      "EOF\n"
      "COPY <<-\"END\" /etc/conf\n"
      "\tkey=value\n"
      "\tEND\n"
      "LABEL after=1\n");
  const auto& ins = file.stages[0].instructions;
  ASSERT_EQ(ins.size(), 3u);
  ASSERT_EQ(ins[0].heredocs.size(), 1u);
  EXPECT_EQ(ins[0].heredocs[0].name, "EOF");
  EXPECT_EQ(ins[0].heredocs[0].body, "echo one\necho $HOME\n");
  EXPECT_TRUE(ins[0].heredocs[0].expand);
  ASSERT_EQ(ins[1].heredocs.size(), 1u);
  EXPECT_EQ(ins[1].heredocs[0].body, "key=value\n");
  EXPECT_FALSE(ins[1].heredocs[0].expand);
  EXPECT_TRUE(ins[1].heredocs[0].chomp);
  EXPECT_EQ(ins[2].line, 9);
}

TEST(Dockerfile, Stages) {
  Dockerfile file = parse_ok(
      "ARG BASE=busybox\n"
      "FROM ${BASE} AS build\n"
      "RUN make\n"
      "FROM scratch AS unused\n"
      "FROM busybox\n"
      "COPY --from=build /out /out\n");
  ASSERT_EQ(file.global_args.size(), 1u);
  ASSERT_EQ(file.stages.size(), 3u);
  EXPECT_EQ(find_stage(file, "build"), 0u);
  EXPECT_EQ(find_stage(file, "BUILD"), 0u);
  EXPECT_EQ(find_stage(file, "2"), 2u);
  EXPECT_FALSE(find_stage(file, "nope"));
  // An image named by more digits than size_t holds is no stage (was an uncaught out_of_range).
  EXPECT_FALSE(find_stage(file, "66666666666666666666666666666666"));
  auto needed = stages_needed(file, 2, {{"BASE", "busybox"}});
  ASSERT_TRUE(needed);
  EXPECT_EQ(*needed, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(*stages_needed(file, 1, {}), (std::vector<size_t>{1}));
}

TEST(Dockerfile, StageFromAnotherStage) {
  Dockerfile file = parse_ok("FROM busybox AS a\nFROM a AS b\nFROM busybox\nFROM b\n");
  EXPECT_EQ(*stages_needed(file, 3, {}), (std::vector<size_t>{0, 1, 3}));
}

TEST(Dockerfile, ErrorsNameTheLine) {
  EXPECT_EQ(parse_error("FROM scratch\n\nFOO bar\n"), "line 3: unknown instruction: FOO");
  EXPECT_EQ(parse_error("RUN x\n"), "line 1: RUN before the first FROM (only ARG may be)");
  EXPECT_EQ(parse_error("FROM scratch\nRUN\n"), "line 2: RUN requires at least one argument");
  EXPECT_EQ(parse_error("FROM a AS x\nFROM b AS x\n"), "line 2: duplicate stage name 'x'");
  EXPECT_EQ(parse_error("FROM a b c d\n"), "line 1: FROM takes IMAGE [AS NAME], got 'a b c d'");
  EXPECT_EQ(parse_error("FROM a\nSHELL sh -c\n"), "line 2: SHELL requires a JSON array of strings");
  EXPECT_EQ(parse_error("FROM a\nRUN <<EOF\necho\n"), "line 2: heredoc <<EOF is not terminated");
  EXPECT_EQ(parse_error("# only a comment\n"), "no FROM instruction");
  EXPECT_EQ(parse_error(""), "no FROM instruction");
}

TEST(Dockerfile, CrlfLines) {
  Dockerfile file = parse_ok("FROM scratch\r\nENV A=1 \\\r\n  B=2\r\n");
  EXPECT_EQ(file.stages[0].instructions[0].args, "A=1   B=2");
}

TEST(DockerfileWords, ExpandVariables) {
  std::map<std::string, std::string> vars{{"A", "x"}, {"EMPTY", ""}};
  auto expand = [&](std::string_view text) { return *expand_variables(text, vars); };
  EXPECT_EQ(expand("$A/${A}/$B"), "x/x/");
  EXPECT_EQ(expand("${B:-dflt} ${A:-dflt} ${EMPTY:-e} ${EMPTY-e}"), "dflt x e ");
  EXPECT_EQ(expand("${A:+set} ${B:+set}"), "set ");
  EXPECT_EQ(expand("\\$A '$A'"), "$A '$A'");
  EXPECT_EQ(expand("${B:-${A}}"), "x");
  EXPECT_FALSE(expand_variables("${A", vars));
  EXPECT_FALSE(expand_variables("${A?x}", vars));
}

TEST(DockerfileWords, SplitWords) {
  EXPECT_EQ(*split_words("a 'b c' \"d e\" f\\ g"),
            (std::vector<std::string>{"a", "b c", "d e", "f g"}));
  EXPECT_FALSE(split_words("'open"));
}

TEST(DockerfileWords, KeyValues) {
  auto pairs = *parse_key_values("A=1 B=\"two words\" C=", false);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"B", "two words"}));
  EXPECT_EQ(pairs[2].second, "");
  auto legacy = *parse_key_values("NAME some value here", true);
  ASSERT_EQ(legacy.size(), 1u);
  EXPECT_EQ(legacy[0], (std::pair<std::string, std::string>{"NAME", "some value here"}));
  EXPECT_FALSE(parse_key_values("novalue", false));
  EXPECT_FALSE(parse_key_values("=x", false));
}

TEST(DockerfileParse, OnbuildTriggersFollowDockersRules) {
  auto file = parse_dockerfile("FROM a\nONBUILD RUN make\nonbuild copy . /app\n");
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->stages[0].instructions[1].args, "copy . /app");
  for (const char* bad : {"ONBUILD ONBUILD RUN x", "ONBUILD FROM x", "ONBUILD maintainer me"}) {
    auto refused = parse_dockerfile(std::string("FROM a\n") + bad + "\n");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message().find("line 2: ONBUILD"), std::string::npos)
        << refused.error().message();
  }
  EXPECT_FALSE(parse_dockerfile("FROM a\nONBUILD BOGUS x\n"));
  auto trigger = parse_trigger("copy --chown=1:2 a /b");
  ASSERT_TRUE(trigger) << trigger.error().message();
  EXPECT_EQ(trigger->keyword, "COPY");
  EXPECT_EQ(trigger->flag("chown"), "1:2");
  EXPECT_EQ(trigger->args, "a /b");
  EXPECT_FALSE(parse_trigger("FROM x"));
  EXPECT_FALSE(parse_trigger("RUN <<EOF"));
}

TEST(DockerfileParse, FromNeedsAnImageName) {
  auto file = parse_dockerfile("FROM \"\"\n");
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message().find("line 1: FROM needs an image name"), std::string::npos)
      << file.error().message();
}

}  // namespace
}  // namespace sbx::images
