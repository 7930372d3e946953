// The Dockerfile parser: logical lines (directives, comments, continuations,
// heredocs), then instructions with their flags and forms, then stages.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "sandbox/base/strings.hpp"
#include "sandbox/images/dockerfile.hpp"

namespace sbx::images {

namespace {

constexpr std::string_view kKeywords[] = {
    "ADD",    "ARG",   "CMD",         "COPY",  "ENTRYPOINT", "ENV",
    "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
    "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};

bool is_keyword(std::string_view word) {
  return std::find(std::begin(kKeywords), std::end(kKeywords), word) != std::end(kKeywords);
}

std::string upper(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error line_error(int line, const std::string& message) {
  return Error("line " + std::to_string(line) + ": " + message, EINVAL);
}

struct Lines {
  std::vector<std::string_view> lines;
  size_t next = 0;
  bool done() const { return next >= lines.size(); }
};

Lines split_lines(std::string_view text) {
  Lines out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.lines.push_back(line);
    start = end + 1;
  }
  return out;
}

bool is_comment(std::string_view line) {
  std::string_view t = trim(line);
  return !t.empty() && t.front() == '#';
}

// "# escape=`" and "# syntax=..." before any instruction.
void read_directives(Lines& lines, char& escape) {
  while (!lines.done()) {
    std::string_view t = trim(lines.lines[lines.next]);
    if (!t.starts_with("#")) return;
    std::string_view body = trim(t.substr(1));
    size_t eq = body.find('=');
    if (eq == std::string_view::npos) return;
    std::string key = lower(trim(body.substr(0, eq)));
    std::string_view value = trim(body.substr(eq + 1));
    if (key == "escape" && (value == "`" || value == "\\"))
      escape = value.front();
    else if (key != "syntax" && key != "check")
      return;
    ++lines.next;
  }
}

// One instruction's text: continuation lines joined, comment lines and empty
// lines inside a continuation dropped. Returns the first line's number.
std::string join_continuations(Lines& lines, char escape, int& first_line) {
  std::string out;
  first_line = static_cast<int>(lines.next) + 1;
  while (!lines.done()) {
    std::string_view line = lines.lines[lines.next++];
    if (!out.empty() && (is_comment(line) || trim(line).empty())) continue;
    std::string_view t = line;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (!t.empty() && t.back() == escape) {
      out.append(t.substr(0, t.size() - 1));
      continue;
    }
    out.append(line);
    break;
  }
  return out;
}

// The heredoc markers (<<EOF, <<-EOF, <<"EOF") in an instruction's words.
std::vector<Heredoc> heredoc_markers(std::string_view args) {
  std::vector<Heredoc> out;
  for (size_t at = args.find("<<"); at != std::string_view::npos; at = args.find("<<", at + 2)) {
    size_t i = at + 2;
    Heredoc doc;
    if (i < args.size() && args[i] == '-') doc.chomp = true, ++i;
    char quote = 0;
    if (i < args.size() && (args[i] == '"' || args[i] == '\'')) quote = args[i++];
    size_t start = i;
    while (i < args.size() && (std::isalnum(static_cast<unsigned char>(args[i])) || args[i] == '_'))
      ++i;
    if (i == start || (quote && (i >= args.size() || args[i] != quote))) continue;
    if (at > 0 && args[at - 1] == '<') continue;
    doc.name = std::string(args.substr(start, i - start));
    doc.expand = quote == 0;
    out.push_back(std::move(doc));
  }
  return out;
}

Status read_heredoc_bodies(Lines& lines, Instruction& ins) {
  for (Heredoc& doc : ins.heredocs) {
    bool closed = false;
    while (!lines.done()) {
      std::string_view line = lines.lines[lines.next++];
      std::string_view check = line;
      if (doc.chomp) {
        while (!check.empty() && check.front() == '\t') check.remove_prefix(1);
        line = check;
      }
      if (check == doc.name) {
        closed = true;
        break;
      }
      doc.body.append(line);
      doc.body += '\n';
    }
    if (!closed) return fail(line_error(ins.line, "heredoc <<" + doc.name + " is not terminated"));
  }
  return {};
}

// Leading --name=value words.
void take_flags(std::string_view& rest, Instruction& ins) {
  while (rest.starts_with("--")) {
    size_t end = 0;
    while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
    std::string_view word = rest.substr(2, end - 2);
    size_t eq = word.find('=');
    if (eq == std::string_view::npos)
      ins.flags.emplace_back(std::string(word), "");
    else
      ins.flags.emplace_back(std::string(word.substr(0, eq)), std::string(word.substr(eq + 1)));
    rest = trim(rest.substr(end));
  }
}

std::optional<std::vector<std::string>> json_form(std::string_view args) {
  if (!args.starts_with("[")) return std::nullopt;
  auto parsed = nlohmann::json::parse(args, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : parsed) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool takes_flags(std::string_view keyword) {
  return keyword == "FROM" || keyword == "RUN" || keyword == "COPY" || keyword == "ADD" ||
         keyword == "HEALTHCHECK";
}

Result<Instruction> parse_instruction(std::string_view text, int line);

// What ONBUILD may hold, as docker: any instruction but ONBUILD, FROM and MAINTAINER.
Status check_trigger(std::string_view text, int line) {
  std::string_view body = trim(text);
  std::string keyword = upper(body.substr(0, body.find_first_of(" \t")));
  if (keyword == "ONBUILD" || keyword == "FROM" || keyword == "MAINTAINER")
    return fail(line_error(line, "ONBUILD " + keyword + " is not allowed"));
  return {};
}

Result<Instruction> parse_instruction(std::string_view text, int line) {
  std::string_view body = trim(text);
  size_t end = 0;
  while (end < body.size() && !std::isspace(static_cast<unsigned char>(body[end]))) ++end;
  Instruction ins;
  ins.keyword = upper(body.substr(0, end));
  ins.line = line;
  ins.original = std::string(body);
  if (!is_keyword(ins.keyword))
    return fail(line_error(line, "unknown instruction: " + std::string(body.substr(0, end))));
  std::string_view rest = trim(body.substr(end));
  if (takes_flags(ins.keyword)) take_flags(rest, ins);
  ins.args = std::string(rest);
  bool needs_args = ins.keyword != "HEALTHCHECK" || !ins.flags.empty();
  if (ins.args.empty() && needs_args)
    return fail(line_error(line, ins.keyword + " requires at least one argument"));
  ins.exec_form = json_form(rest);
  if (ins.keyword == "SHELL" && !ins.exec_form)
    return fail(line_error(line, "SHELL requires a JSON array of strings"));
  if (ins.keyword == "RUN" || ins.keyword == "COPY" || ins.keyword == "ADD")
    ins.heredocs = heredoc_markers(rest);
  if (ins.keyword == "ONBUILD") {
    // The trigger is checked now, as docker does (it cannot nest: no ONBUILD ONBUILD).
    SBX_TRY(check_trigger(ins.args, line));
    SBX_TRY(parse_instruction(ins.args, line));
  }
  return ins;
}

// FROM [--platform=P] IMAGE [AS NAME]
Result<Stage> parse_from(const Instruction& ins, int index) {
  Stage stage;
  stage.index = index;
  stage.line = ins.line;
  stage.platform = ins.flag("platform").value_or("");
  std::vector<std::string> words = SBX_TRY(split_words(ins.args));
  if (words.size() == 3 && lower(words[1]) == "as") {
    stage.name = lower(words[2]);
  } else if (words.size() != 1) {
    return fail(line_error(ins.line, "FROM takes IMAGE [AS NAME], got '" + ins.args + "'"));
  }
  stage.base = words[0];
  if (stage.base.empty()) return fail(line_error(ins.line, "FROM needs an image name"));
  if (!stage.name.empty() && (std::isdigit(static_cast<unsigned char>(stage.name[0]))))
    return fail(line_error(ins.line, "invalid stage name '" + stage.name + "'"));
  return stage;
}

Status add_instruction(Dockerfile& file, Instruction ins) {
  if (ins.keyword == "FROM") {
    Stage stage = SBX_TRY(parse_from(ins, static_cast<int>(file.stages.size())));
    for (const Stage& other : file.stages)
      if (!stage.name.empty() && other.name == stage.name)
        return fail(line_error(ins.line, "duplicate stage name '" + stage.name + "'"));
    file.stages.push_back(std::move(stage));
  } else if (file.stages.empty()) {
    if (ins.keyword != "ARG")
      return fail(line_error(ins.line, ins.keyword + " before the first FROM (only ARG may be)"));
    file.global_args.push_back(std::move(ins));
  } else {
    file.stages.back().instructions.push_back(std::move(ins));
  }
  return {};
}

}  // namespace

Result<Instruction> parse_trigger(std::string_view text) {
  SBX_TRY(check_trigger(text, 0));
  Instruction ins = SBX_TRY(parse_instruction(text, 0));
  if (!ins.heredocs.empty())
    return fail(
        Error("ONBUILD trigger '" + std::string(text) + "': heredocs are not supported", ENOTSUP));
  return ins;
}

std::optional<std::string> Instruction::flag(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [key, value] : flags)
    if (key == name) out = value;
  return out;
}

std::vector<std::string> Instruction::flag_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : flags)
    if (key == name) out.push_back(value);
  return out;
}

Result<Dockerfile> parse_dockerfile(std::string_view text) {
  Dockerfile file;
  Lines lines = split_lines(text);
  read_directives(lines, file.escape);
  while (!lines.done()) {
    std::string_view peek = lines.lines[lines.next];
    if (is_comment(peek) || trim(peek).empty()) {
      ++lines.next;
      continue;
    }
    int line = 0;
    std::string joined = join_continuations(lines, file.escape, line);
    if (trim(joined).empty()) continue;
    Instruction ins = SBX_TRY(parse_instruction(joined, line));
    SBX_TRY(read_heredoc_bodies(lines, ins));
    SBX_TRY(add_instruction(file, std::move(ins)));
  }
  if (file.stages.empty()) return fail(Error("no FROM instruction", EINVAL));
  return file;
}

std::optional<size_t> find_stage(const Dockerfile& file, std::string_view name) {
  std::string wanted = lower(name);
  for (size_t i = 0; i < file.stages.size(); ++i)
    if (!file.stages[i].name.empty() && file.stages[i].name == wanted) return i;
  if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    // A number too large for size_t is no stage (an image named by digits).
    size_t index = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (error == std::errc{} && end == name.data() + name.size() && index < file.stages.size())
      return index;
  }
  return std::nullopt;
}

Result<std::vector<size_t>> stages_needed(const Dockerfile& file, size_t target,
                                          const std::map<std::string, std::string>& global_args) {
  std::vector<bool> needed(file.stages.size(), false);
  std::vector<size_t> todo{target};
  while (!todo.empty()) {
    size_t at = todo.back();
    todo.pop_back();
    if (needed[at]) continue;
    needed[at] = true;
    const Stage& stage = file.stages[at];
    std::string base = SBX_TRY(expand_variables(stage.base, global_args, file.escape));
    std::vector<std::string> refs{base};
    for (const Instruction& ins : stage.instructions) {
      if (auto from = ins.flag("from")) refs.push_back(*from);
      for (const std::string& mount : ins.flag_all("mount")) {
        size_t pos = mount.find("from=");
        if (pos != std::string::npos && (pos == 0 || mount[pos - 1] == ','))
          refs.push_back(mount.substr(pos + 5, mount.find(',', pos) - pos - 5));
      }
    }
    for (const std::string& ref : refs) {
      auto found = find_stage(file, ref);
      if (found && *found < at) todo.push_back(*found);
    }
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < needed.size(); ++i)
    if (needed[i]) out.push_back(i);
  return out;
}

}  // namespace sbx::images
