// docker's --format for lists: one rendering per row, or a table with a
// header row, its columns aligned at tabs as Go's tabwriter aligns them.
#include <algorithm>

#include "go_template.hpp"
#include "go_template_ast.hpp"

namespace sbx::cli {
namespace {

constexpr std::string_view kTablePrefix = "table";

// `\t` and `\n` typed in the shell's single quotes mean tab and newline.
std::string unescape_layout(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[++i] == 't' ? '\t' : '\n';
    } else {
      out += s[i];
    }
  }
  return out;
}

// "CreatedAt" -> "CREATED AT".
std::string default_header(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    bool upper = std::isupper(static_cast<unsigned char>(field[i]));
    bool after_lower = i > 0 && std::islower(static_cast<unsigned char>(field[i - 1]));
    if (upper && after_lower) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(field[i])));
  }
  return out;
}

nlohmann::json header_row(const std::vector<nlohmann::json>& rows,
                          const std::map<std::string, std::string>& headers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& row : rows)
    if (row.is_object())
      for (const auto& [key, value] : row.items()) out[key] = default_header(key);
  for (const auto& [key, header] : headers) out[key] = header;
  return out;
}

Result<std::vector<tmpl::Node>> parse_or_explain(std::string_view format) {
  auto nodes = tmpl::parse(format);
  if (!nodes) return fail(Error(nodes.error().message()).with_hint(tmpl::kTemplateHint));
  return nodes;
}

}  // namespace

Error unknown_format(std::string_view format) {
  return Error("unknown --format \"" + std::string(format) + "\": not table, json or a Go template")
      .with_hint(tmpl::kTemplateHint);
}

std::string list_format_problem(const std::string& format) {
  return format == "table" || format == "json" || is_go_template(format)
             ? std::string()
             : unknown_format(format).message();
}

bool is_go_template(std::string_view format) { return format.find("{{") != std::string_view::npos; }

std::string align_tabs(std::string_view text) {
  constexpr size_t kMinWidth = 10, kPadding = 3;
  std::vector<std::vector<std::string>> lines;
  std::vector<size_t> widths;
  size_t from = 0;
  while (from < text.size()) {
    size_t end = text.find('\n', from);
    std::string_view line = text.substr(from, end == text.npos ? text.npos : end - from);
    from = end == text.npos ? text.size() : end + 1;
    std::vector<std::string> cells;
    size_t cell_from = 0;
    for (size_t tab; (tab = line.find('\t', cell_from)) != line.npos; cell_from = tab + 1) {
      cells.emplace_back(line.substr(cell_from, tab - cell_from));
      if (widths.size() < cells.size()) widths.push_back(0);
      widths[cells.size() - 1] = std::max(widths[cells.size() - 1], cells.back().size());
    }
    cells.emplace_back(line.substr(cell_from));
    lines.push_back(std::move(cells));
  }
  std::string out;
  for (const auto& cells : lines) {
    for (size_t i = 0; i + 1 < cells.size(); ++i) {
      size_t width = std::max(widths[i] + kPadding, kMinWidth);
      out += cells[i] + std::string(width - cells[i].size(), ' ');
    }
    out += cells.back() + "\n";
  }
  return out;
}

Result<std::string> render_rows(std::string_view format, const std::vector<nlohmann::json>& rows,
                                const std::map<std::string, std::string>& headers) {
  bool table = format.starts_with(kTablePrefix) &&
               (format.size() == kTablePrefix.size() || format[kTablePrefix.size()] == ' ');
  if (table) format.remove_prefix(kTablePrefix.size());
  std::string body = unescape_layout(format);
  body.erase(0, body.find_first_not_of(' ') == std::string::npos ? body.size()
                                                                 : body.find_first_not_of(' '));
  while (!body.empty() && body.back() == ' ') body.pop_back();
  std::vector<tmpl::Node> nodes = SBX_TRY(parse_or_explain(body));
  std::string out;
  if (table) out += SBX_TRY(tmpl::execute(nodes, header_row(rows, headers), true)) + "\n";
  for (const auto& row : rows) {
    auto line = tmpl::execute(nodes, row, false);
    if (!line)
      return fail(Error("template: executing \"" + body + "\": " + line.error().message())
                      .with_hint(tmpl::kTemplateHint));
    out += *line + "\n";
  }
  return table ? align_tabs(out) : out;
}

}  // namespace sbx::cli
