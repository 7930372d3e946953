// Go template nodes evaluated over a JSON document, values printed as Go's
// fmt prints them (maps as map[k:v], arrays as [a b], null as <nil>).
#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include "go_template.hpp"
#include "go_template_ast.hpp"

namespace sbx::cli {
namespace tmpl {
namespace {

using nlohmann::json;

std::string go_string(const json& v);

// JSON text of a value whose strings may not be UTF-8 (file names, labels, a
// template's own literals): bad bytes become U+FFFD instead of throwing.
std::string json_text(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string go_number(const json& v) {
  if (v.is_number_integer()) return v.dump();
  double d = v.get<double>();
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general);
  return ec == std::errc() ? std::string(buf, end) : v.dump();
}

// fmt's %v.
std::string go_string(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::null:
      return "<nil>";
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + go_string(v[i]);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, item] : v.items()) {
        out += (first ? "" : " ") + k + ":" + go_string(item);
        first = false;
      }
      return out + "]";
    }
    default:
      return go_number(v);
  }
}

bool truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::string:
    case json::value_t::array:
    case json::value_t::object:
      return !v.empty();
    default:
      return v.get<double>() != 0;
  }
}

Result<std::string> as_string(const json& v, const char* function) {
  if (!v.is_string())
    return fail(std::string("wrong type for value; expected string; got ") + v.type_name() +
                " (in " + function + ")");
  return v.get<std::string>();
}

Result<int64_t> as_int(const json& v, const char* function) {
  if (!v.is_number_integer())
    return fail(std::string("wrong type for value; expected int; got ") + v.type_name() + " (in " +
                function + ")");
  return v.get<int64_t>();
}

using Args = std::vector<json>;
using Function = std::function<Result<json>(const Args&)>;

Status want_args(const Args& a, size_t n, const char* name) {
  if (a.size() == n) return {};
  return fail(std::string("wrong number of args for ") + name + ": want " + std::to_string(n) +
              " got " + std::to_string(a.size()));
}

Result<json> index_value(const Args& a) {
  if (a.empty()) return fail("wrong number of args for index: want at least 1 got 0");
  json v = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    if (v.is_object()) {
      std::string key = SBX_TRY(as_string(a[i], "index"));
      bool strings = std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); });
      json found = v.contains(key) ? v[key] : (strings ? json("") : json(nullptr));
      v = std::move(found);
    } else if (v.is_array() || v.is_string()) {
      int64_t n = SBX_TRY(as_int(a[i], "index"));
      if (n < 0 || static_cast<size_t>(n) >= v.size())
        return fail("error calling index: index out of range: " + std::to_string(n));
      v = v.is_array()
              ? json(v[n])
              : json(static_cast<int64_t>(static_cast<unsigned char>(v.get<std::string>()[n])));
    } else {
      return fail(std::string("error calling index: can't index item of type ") + v.type_name());
    }
  }
  return v;
}

// Sprint: spaces between operands when neither side is a string.
std::string go_sprint(const Args& a) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i && !a[i].is_string() && !a[i - 1].is_string()) out += ' ';
    out += go_string(a[i]);
  }
  return out;
}

Result<json> go_printf(const Args& a) {
  if (a.empty()) return fail("wrong number of args for printf: want at least 1 got 0");
  std::string format = SBX_TRY(as_string(a[0], "printf")), out;
  size_t next = 1;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    char verb = format[++i];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (next >= a.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const json& v = a[next++];
    if (verb == 'q')
      out += v.is_string() ? json_text(v) : go_string(v);
    else if (verb == 's' || verb == 'v' || verb == 'd' || verb == 't')
      out += go_string(v);
    else
      return fail(std::string("printf: verb %") + verb + " is not supported");
  }
  return out;
}

Result<json> compare(const Args& a, const char* name, const std::function<bool(int)>& accept) {
  SBX_TRY(want_args(a, 2, name));
  const json &x = a[0], &y = a[1];
  bool numbers = x.is_number() && y.is_number();
  if (!numbers && !(x.is_string() && y.is_string()))
    return fail(std::string("error calling ") + name + ": incompatible types for comparison");
  int order = x < y ? -1 : (y < x ? 1 : 0);
  return json(accept(order));
}

// lower, upper: `change` applied to each byte of a string.
Function each_char(const char* name, int (*change)(unsigned char)) {
  return [name, change](const Args& a) -> Result<json> {
    SBX_TRY(want_args(a, 1, name));
    std::string s = SBX_TRY(as_string(a[0], name));
    for (char& c : s) c = static_cast<char>(change(static_cast<unsigned char>(c)));
    return json(s);
  };
}

const std::map<std::string, Function, std::less<>>& functions() {
  static const std::map<std::string, Function, std::less<>> table = {
      {"json",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 1, "json"));
         return json(json_text(a[0]));
       }},
      {"index", index_value},
      {"len",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 1, "len"));
         if (a[0].is_string()) return json(a[0].get<std::string>().size());
         if (a[0].is_array() || a[0].is_object()) return json(a[0].size());
         return fail(std::string("error calling len: len of type ") + a[0].type_name());
       }},
      {"lower", each_char("lower", [](unsigned char c) { return std::tolower(c); })},
      {"upper", each_char("upper", [](unsigned char c) { return std::toupper(c); })},
      {"title",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 1, "title"));
         std::string s = SBX_TRY(as_string(a[0], "title"));
         for (size_t i = 0; i < s.size(); ++i)
           if (i == 0 || s[i - 1] == ' ') s[i] = static_cast<char>(std::toupper(s[i]));
         return json(s);
       }},
      {"join",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 2, "join"));
         std::string sep = SBX_TRY(as_string(a[1], "join")), out;
         if (a[0].is_null()) return json("");
         if (!a[0].is_array()) return fail("error calling join: expected a list of strings");
         for (size_t i = 0; i < a[0].size(); ++i)
           out += (i ? sep : "") + SBX_TRY(as_string(a[0][i], "join"));
         return json(out);
       }},
      {"split",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 2, "split"));
         std::string s = SBX_TRY(as_string(a[0], "split")), sep = SBX_TRY(as_string(a[1], "split"));
         json out = json::array();
         if (sep.empty()) {
           for (char c : s) out.push_back(std::string(1, c));
           return out;
         }
         size_t from = 0;
         for (size_t at; (at = s.find(sep, from)) != std::string::npos; from = at + sep.size())
           out.push_back(s.substr(from, at - from));
         out.push_back(s.substr(from));
         return out;
       }},
      {"truncate",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 2, "truncate"));
         std::string s = SBX_TRY(as_string(a[0], "truncate"));
         int64_t n = SBX_TRY(as_int(a[1], "truncate"));
         return json(n >= 0 && static_cast<size_t>(n) < s.size() ? s.substr(0, n) : s);
       }},
      {"pad",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 3, "pad"));
         std::string s = SBX_TRY(as_string(a[0], "pad"));
         int64_t before = SBX_TRY(as_int(a[1], "pad")), after = SBX_TRY(as_int(a[2], "pad"));
         if (before < 0 || after < 0 || before > 4096 || after > 4096)
           return fail("error calling pad: bad width");
         return json(std::string(before, ' ') + s + std::string(after, ' '));
       }},
      {"print", [](const Args& a) -> Result<json> { return json(go_sprint(a)); }},
      {"println",
       [](const Args& a) -> Result<json> {
         std::string out;
         for (size_t i = 0; i < a.size(); ++i) out += (i ? " " : "") + go_string(a[i]);
         return json(out + "\n");
       }},
      {"printf", go_printf},
      {"not",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 1, "not"));
         return json(!truthy(a[0]));
       }},
      {"and",
       [](const Args& a) -> Result<json> {
         if (a.empty()) return fail("wrong number of args for and: want at least 1 got 0");
         for (const json& v : a)
           if (!truthy(v)) return v;
         return a.back();
       }},
      {"or",
       [](const Args& a) -> Result<json> {
         if (a.empty()) return fail("wrong number of args for or: want at least 1 got 0");
         for (const json& v : a)
           if (truthy(v)) return v;
         return a.back();
       }},
      {"eq",
       [](const Args& a) -> Result<json> {
         if (a.size() < 2) return fail("wrong number of args for eq: want at least 2");
         for (size_t i = 1; i < a.size(); ++i)
           if (a[0] == a[i]) return json(true);
         return json(false);
       }},
      {"ne",
       [](const Args& a) -> Result<json> {
         SBX_TRY(want_args(a, 2, "ne"));
         return json(a[0] != a[1]);
       }},
      {"lt", [](const Args& a) { return compare(a, "lt", [](int o) { return o < 0; }); }},
      {"le", [](const Args& a) { return compare(a, "le", [](int o) { return o <= 0; }); }},
      {"gt", [](const Args& a) { return compare(a, "gt", [](int o) { return o > 0; }); }},
      {"ge", [](const Args& a) { return compare(a, "ge", [](int o) { return o >= 0; }); }},
  };
  return table;
}

class Evaluator {
 public:
  Evaluator(const json& root, bool lenient) : lenient_(lenient) { vars_.push_back({"$", root}); }

  Status run(const std::vector<Node>& nodes, const json& dot, std::string& out) {
    for (const Node& node : nodes) SBX_TRY(run_node(node, dot, out));
    return {};
  }

 private:
  Status run_node(const Node& node, const json& dot, std::string& out) {
    if (node.kind == Node::Kind::kText) {
      out += node.text;
      return {};
    }
    size_t mark = vars_.size();
    json value = SBX_TRY(eval_pipeline(node.pipeline, dot));
    Status done = {};
    switch (node.kind) {
      case Node::Kind::kAction:
        if (node.pipeline.declared.empty()) out += go_string(value);
        return {};  // a declaration stays in scope to the end of its block
      case Node::Kind::kIf:
        done = run(truthy(value) ? node.body : node.otherwise, dot, out);
        break;
      case Node::Kind::kWith:
        done = truthy(value) ? run(node.body, value, out) : run(node.otherwise, dot, out);
        break;
      default:
        done = run_range(node, value, dot, out);
    }
    vars_.resize(mark);
    return done;
  }

  Status run_range(const Node& node, const json& value, const json& dot, std::string& out) {
    if (!value.is_null() && !value.is_array() && !value.is_object())
      return fail(std::string("range can't iterate over ") + go_string(value));
    if (value.empty()) return run(node.otherwise, dot, out);
    const auto& names = node.pipeline.declared;
    size_t i = 0;
    for (const auto& [key, item] : value.items()) {
      size_t mark = vars_.size();
      json k = value.is_array() ? json(i++) : json(key);
      if (names.size() == 1) vars_.push_back({names[0], item});
      if (names.size() == 2) {
        vars_.push_back({names[0], k});
        vars_.push_back({names[1], item});
      }
      SBX_TRY(run(node.body, item, out));
      vars_.resize(mark);
    }
    return {};
  }

  Result<json> eval_pipeline(const Pipeline& p, const json& dot) {
    std::optional<json> piped;
    for (const Command& cmd : p.commands) piped = SBX_TRY(eval_command(cmd, dot, piped));
    json value = piped.value_or(nullptr);
    // `$x := PIPELINE` (a range rebinds its names to each element after this).
    if (p.declared.size() == 1) vars_.push_back({p.declared[0], value});
    return value;
  }

  Result<json> eval_command(const Command& cmd, const json& dot, const std::optional<json>& piped) {
    const Operand& first = cmd.operands.front();
    if (first.kind != Operand::Kind::kFunction) {
      if (cmd.operands.size() > 1 || piped)
        return fail("can't give argument to non-function " + describe(first));
      return eval_operand(first, dot);
    }
    Args args;
    for (size_t i = 1; i < cmd.operands.size(); ++i)
      args.push_back(SBX_TRY(eval_operand(cmd.operands[i], dot)));
    if (piped) args.push_back(*piped);
    auto found = functions().find(first.name);
    auto result = found->second(args);
    if (!result && lenient_) return json("");
    return result;
  }

  Result<json> eval_operand(const Operand& op, const json& dot) {
    json base;
    switch (op.kind) {
      case Operand::Kind::kLiteral:
        return op.literal;
      case Operand::Kind::kFunction: {
        Command call{{op}};
        return eval_command(call, dot, std::nullopt);
      }
      case Operand::Kind::kField:
        base = dot;
        break;
      case Operand::Kind::kVariable:
        base = SBX_TRY(variable(op.name));
        break;
      case Operand::Kind::kPipeline:
        base = SBX_TRY(eval_pipeline(*op.pipeline, dot));
        break;
    }
    return walk(base, op.fields);
  }

  Result<json> variable(const std::string& name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
      if (it->first == name) return it->second;
    return fail("undefined variable \"" + name + "\"");
  }

  Result<json> walk(json value, const std::vector<std::string>& fields) const {
    for (const std::string& field : fields) {
      if (value.is_object() && value.contains(field)) {
        json next = value[field];
        value = std::move(next);
      } else if (lenient_) {
        return json("");
      } else if (value.is_object()) {
        return fail("map has no entry for key \"" + field + "\"");
      } else if (value.is_null()) {
        return fail("nil pointer evaluating ." + field);
      } else {
        return fail("can't evaluate field " + field + " in type " + value.type_name());
      }
    }
    return value;
  }

  static std::string describe(const Operand& op) {
    std::string text = op.kind == Operand::Kind::kVariable ? op.name : "";
    for (const auto& f : op.fields) text += "." + f;
    return text.empty() ? (op.kind == Operand::Kind::kLiteral ? json_text(op.literal) : ".") : text;
  }

  bool lenient_ = false;
  std::vector<std::pair<std::string, json>> vars_;
};

}  // namespace

bool is_function(std::string_view name) { return functions().contains(name); }

Result<std::string> execute(const std::vector<Node>& nodes, const nlohmann::json& data,
                            bool lenient) {
  std::string out;
  Evaluator evaluator(data, lenient);
  SBX_TRY(evaluator.run(nodes, data, out));
  return out;
}

}  // namespace tmpl

Result<std::string> render_template(std::string_view format, const nlohmann::json& data) {
  auto nodes = tmpl::parse(format);
  if (!nodes) return fail(Error(nodes.error().message()).with_hint(tmpl::kTemplateHint));
  auto out = tmpl::execute(*nodes, data, false);
  if (!out)
    return fail(
        Error("template: executing \"" + std::string(format) + "\": " + out.error().message())
            .with_hint(tmpl::kTemplateHint));
  return out;
}

}  // namespace sbx::cli
