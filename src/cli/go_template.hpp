// Go text/template output, the subset docker's and podman's --format take:
// {{.Field.Sub}}, {{json .}}, pipelines, {{if}}/{{else}}, {{range}}, {{with}},
// variables in range, and the functions docker's CLI adds (json, join, lower,
// upper, title, split, truncate, pad) with Go's own (index, len, print,
// printf, println, eq, ne, lt, le, gt, ge, and, or, not). Values are JSON
// documents: the same ones `--format json` prints. Anything else (define,
// template, block, break, continue) is a clear error, never silence.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/base/error.hpp"

namespace sbx::cli {

// `format` rendered over `data`, as Go's text/template would.
Result<std::string> render_template(std::string_view format, const nlohmann::json& data);

// docker's --format for list commands over `rows`: "table TEMPLATE" prints a
// header row (each field's header from `headers`, else its name upper-cased)
// and aligns the columns at tabs; any other TEMPLATE is rendered once per row.
// Both take `\t` and `\n` typed literally as tab and newline; each row ends
// with a newline.
Result<std::string> render_rows(std::string_view format, const std::vector<nlohmann::json>& rows,
                                const std::map<std::string, std::string>& headers = {});

// Columns cut at tabs and padded like docker's tabwriter (cells at least 10
// wide, 3 spaces after the widest); the last cell of a line is not padded.
std::string align_tabs(std::string_view text);

// Whether a --format value is a Go template (holds "{{"), not a word such as
// "table" or "json".
bool is_go_template(std::string_view format);

// The error for a --format that is neither a known word ("table", "json") nor
// a Go template.
Error unknown_format(std::string_view format);

// A CLI11 check for a list's --format: "" when it is "table", "json" or a Go
// template, else unknown_format's message.
std::string list_format_problem(const std::string& format);

}  // namespace sbx::cli
