// The parsed form of a Go template (go_template.hpp): text and actions,
// pipelines of commands, operands. Private to the cli.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/base/error.hpp"

namespace sbx::cli::tmpl {

struct Pipeline;

// One operand of a command: `.A.B`, `$v.A`, `"s"`, `3`, `true`, `nil`, a
// function name, or `(pipeline).A`.
struct Operand {
  enum class Kind { kField, kVariable, kLiteral, kFunction, kPipeline };
  Kind kind = Kind::kField;
  std::string name;                 // variable or function name
  std::vector<std::string> fields;  // `.A.B` after the operand ({} for `.`)
  nlohmann::json literal;
  std::shared_ptr<Pipeline> pipeline;
};

struct Command {
  std::vector<Operand> operands;
};

// `$i, $e := cmd | cmd`.
struct Pipeline {
  std::vector<std::string> declared;
  std::vector<Command> commands;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith };
  Kind kind = Kind::kText;
  std::string text;  // kText
  Pipeline pipeline;
  std::vector<Node> body;
  std::vector<Node> otherwise;  // {{else}} (an `else if` is one kIf node here)
};

// The template as a list of nodes; errors say where ("template: :1:7: ...").
Result<std::vector<Node>> parse(std::string_view source);

}  // namespace sbx::cli::tmpl

namespace sbx::cli::tmpl {
// Whether `name` is one of the functions the evaluator knows.
bool is_function(std::string_view name);

// The nodes run over `data`. `lenient`: a missing field or a failing function
// gives "" (the header row of a table, rendered over the column names).
Result<std::string> execute(const std::vector<Node>& nodes, const nlohmann::json& data,
                            bool lenient);

inline constexpr const char* kTemplateHint =
    "--format takes a Go template such as '{{.Name}}', '{{json .}}' or 'table "
    "{{.ID}}\\t{{.Image}}'";
}  // namespace sbx::cli::tmpl
