// Go template source -> nodes: actions cut out of the text (with `{{-` and
// `-}}` trimming and comments), each action's tokens, then if/range/with
// blocks and their pipelines.
#include <cctype>
#include <charconv>
#include <optional>

#include "go_template_ast.hpp"

namespace sbx::cli::tmpl {
namespace {

struct Segment {
  bool action = false;
  std::string text;
  int line = 1;
  int column = 1;
};

std::string where(int line, int column) {
  return "template: :" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The index of the "}}" closing the action that starts at `from`, skipping
// string literals and comments.
std::optional<size_t> find_close(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' || c == '`' || c == '\'') {
      for (++i; i < s.size() && s[i] != c; ++i)
        if (s[i] == '\\' && c != '`') ++i;
      if (i >= s.size()) return std::nullopt;
    } else if (s.substr(i, 2) == "/*") {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 1;
    } else if (s.substr(i, 2) == "}}") {
      return i;
    }
  }
  return std::nullopt;
}

void position_after(std::string_view s, size_t from, size_t to, int& line, int& column) {
  for (size_t i = from; i < to; ++i) {
    if (s[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

Result<std::vector<Segment>> cut_segments(std::string_view s) {
  std::vector<Segment> out;
  size_t pos = 0;
  int line = 1, column = 1;
  bool trim_next = false;
  while (pos <= s.size()) {
    size_t open = s.find("{{", pos);
    std::string text(s.substr(pos, open == std::string_view::npos ? s.npos : open - pos));
    if (trim_next)
      text.erase(0, text.find_first_not_of(" \t\r\n") == std::string::npos
                        ? text.size()
                        : text.find_first_not_of(" \t\r\n"));
    if (open == std::string_view::npos) {
      if (!text.empty()) out.push_back({false, text, line, column});
      break;
    }
    size_t start = open + 2;
    if (start + 1 < s.size() && s[start] == '-' && is_space(s[start + 1])) {
      while (!text.empty() && is_space(text.back())) text.pop_back();
      ++start;
    }
    if (!text.empty()) out.push_back({false, text, line, column});
    position_after(s, pos, open, line, column);
    std::optional<size_t> close = find_close(s, start);
    if (!close) return fail(where(line, column) + "unclosed action");
    size_t end = *close;
    trim_next = end >= start + 2 && s[end - 1] == '-' && is_space(s[end - 2]);
    if (trim_next) --end;
    out.push_back({true, std::string(s.substr(start, end - start)), line, column});
    position_after(s, open, *close + 2, line, column);
    pos = *close + 2;
  }
  return out;
}

struct Token {
  enum class Kind {
    kField,
    kVariable,
    kIdent,
    kString,
    kNumber,
    kLParen,
    kRParen,
    kPipe,
    kDeclare,
    kComma
  };
  Kind kind;
  std::string text;                 // name, literal text
  std::vector<std::string> fields;  // kField, kVariable: the chain
  nlohmann::json value;             // kString, kNumber
  bool adjacent = false;            // no space before it
};

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `.A.B` from s[i] (at a '.'): the names, "" for `.` alone.
std::vector<std::string> read_chain(std::string_view s, size_t& i) {
  std::vector<std::string> fields;
  while (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && is_ident_char(s[i])) ++i;
    if (i == start) break;  // `.` alone
    fields.emplace_back(s.substr(start, i - start));
  }
  return fields;
}

Result<std::string> read_string(std::string_view s, size_t& i) {
  char quote = s[i++];
  std::string out;
  for (; i < s.size() && s[i] != quote; ++i) {
    if (s[i] != '\\' || quote == '`') {
      out += s[i];
      continue;
    }
    char e = ++i < s.size() ? s[i] : '\0';
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      default:
        return fail(std::string("unsupported escape \\") + e + " in a string");
    }
  }
  if (i >= s.size()) return fail("unterminated string");
  ++i;
  return out;
}

Result<nlohmann::json> read_number(std::string_view s, size_t& i) {
  size_t start = i;
  if (s[i] == '-' || s[i] == '+') ++i;
  while (i < s.size() && (is_ident_char(s[i]) || s[i] == '.')) ++i;
  std::string_view text = s.substr(start, i - start);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && end == text.data() + text.size()) return nlohmann::json(n);
  double d = 0;
  auto [fend, fec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (fec == std::errc() && fend == text.data() + text.size()) return nlohmann::json(d);
  return fail("bad number syntax: \"" + std::string(text) + "\"");
}

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    bool adjacent = i == 0 || !is_space(s[i - 1]);
    char c = s[i];
    Token t{Token::Kind::kIdent, "", {}, nullptr, adjacent};
    if (is_space(c)) {
      ++i;
      continue;
    } else if (c == '.') {
      t.kind = Token::Kind::kField;
      t.fields = read_chain(s, i);
    } else if (c == '$') {
      size_t start = ++i;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      t.kind = Token::Kind::kVariable;
      t.text = "$" + std::string(s.substr(start, i - start));
      t.fields = read_chain(s, i);
    } else if (c == '"' || c == '`') {
      t.kind = Token::Kind::kString;
      t.value = SBX_TRY(read_string(s, i));
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '-' || c == '+') && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      t.kind = Token::Kind::kNumber;
      t.value = SBX_TRY(read_number(s, i));
    } else if (is_ident_char(c)) {
      size_t start = i;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      t.text = std::string(s.substr(start, i - start));
    } else if (s.substr(i, 2) == ":=") {
      t.kind = Token::Kind::kDeclare;
      i += 2;
    } else if (c == '(' || c == ')' || c == '|' || c == ',') {
      t.kind = c == '('   ? Token::Kind::kLParen
               : c == ')' ? Token::Kind::kRParen
               : c == '|' ? Token::Kind::kPipe
                          : Token::Kind::kComma;
      ++i;
    } else {
      return fail(std::string("unexpected \"") + c + "\" in action");
    }
    out.push_back(std::move(t));
  }
  return out;
}

// `{{/* ... */}}` (with `{{- /* ... */ -}}`): the whole action is the comment.
bool is_comment(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  return start != text.npos && text.substr(start).starts_with("/*") && end >= start + 3 &&
         text.substr(0, end + 1).ends_with("*/");
}

class Parser {
 public:
  explicit Parser(std::vector<Segment> segments) : segments_(std::move(segments)) {}

  Result<std::vector<Node>> parse_all() {
    std::vector<Node> nodes = SBX_TRY(parse_list());
    if (!stop_.empty())
      return fail(where(stop_line_, stop_column_) + "unexpected {{" + stop_ + "}}");
    return nodes;
  }

 private:
  using Tokens = std::vector<Token>;

  // Nodes up to the end of the input or an {{end}} / {{else ...}} (stop_ says which).
  Result<std::vector<Node>> parse_list() {
    std::vector<Node> nodes;
    stop_.clear();
    while (next_ < segments_.size()) {
      const Segment& seg = segments_[next_++];
      if (!seg.action) {
        nodes.push_back(Node{Node::Kind::kText, seg.text, {}, {}, {}});
        continue;
      }
      if (is_comment(seg.text)) continue;
      auto tokens = tokenize(seg.text);
      if (!tokens) return fail(where(seg.line, seg.column) + tokens.error().message());
      if (tokens->empty()) return fail(where(seg.line, seg.column) + "missing value for command");
      const Token& first = tokens->front();
      std::string word = first.kind == Token::Kind::kIdent ? first.text : "";
      if (word == "end" || word == "else") {
        stop_ = word;
        stop_rest_.assign(tokens->begin() + 1, tokens->end());
        stop_line_ = seg.line;
        stop_column_ = seg.column;
        return nodes;
      }
      auto node = parse_action(word, *tokens, seg);
      if (!node) return fail(where(seg.line, seg.column) + node.error().message());
      nodes.push_back(std::move(*node));
    }
    return nodes;
  }

  Result<Node> parse_action(const std::string& word, const Tokens& tokens, const Segment& seg) {
    if (word == "if" || word == "range" || word == "with") {
      Node::Kind kind = word == "if"      ? Node::Kind::kIf
                        : word == "range" ? Node::Kind::kRange
                                          : Node::Kind::kWith;
      return parse_block(kind, Tokens(tokens.begin() + 1, tokens.end()), seg);
    }
    if (word == "define" || word == "template" || word == "block" || word == "break" ||
        word == "continue")
      return fail("{{" + word + "}} is not supported by sandbox's --format");
    Node node{Node::Kind::kAction, "", {}, {}, {}};
    node.pipeline = SBX_TRY(parse_whole_pipeline(tokens));
    return node;
  }

  // if/range/with PIPELINE, its body, an optional else (or `else if`), {{end}}.
  Result<Node> parse_block(Node::Kind kind, const Tokens& tokens, const Segment& seg) {
    Nesting nesting(depth_);
    SBX_TRY(nesting.check());
    Node node{kind, "", {}, {}, {}};
    if (tokens.empty()) return fail("missing value for " + kind_name(kind));
    node.pipeline = SBX_TRY(parse_whole_pipeline(tokens));
    node.body = SBX_TRY(parse_list());
    if (stop_ == "else") {
      Tokens rest = std::move(stop_rest_);
      if (!rest.empty()) {
        if (rest[0].kind != Token::Kind::kIdent || (rest[0].text != "if" && rest[0].text != "with"))
          return fail("unexpected tokens after {{else}}");
        Node::Kind chained = rest[0].text == "if" ? Node::Kind::kIf : Node::Kind::kWith;
        node.otherwise.push_back(
            SBX_TRY(parse_block(chained, Tokens(rest.begin() + 1, rest.end()), seg)));
        return node;  // the chained block took the {{end}}
      }
      node.otherwise = SBX_TRY(parse_list());
    }
    if (stop_ != "end") return fail("unexpected EOF: {{" + kind_name(kind) + "}} has no {{end}}");
    if (!stop_rest_.empty()) return fail("unexpected tokens after {{end}}");
    stop_.clear();
    return node;
  }

  static std::string kind_name(Node::Kind kind) {
    return kind == Node::Kind::kIf ? "if" : kind == Node::Kind::kRange ? "range" : "with";
  }

  Result<Pipeline> parse_whole_pipeline(const Tokens& tokens) {
    size_t pos = 0;
    Pipeline p = SBX_TRY(parse_pipeline(tokens, pos));
    if (pos != tokens.size()) return fail("unexpected \")\" in command");
    return p;
  }

  Result<Pipeline> parse_pipeline(const Tokens& t, size_t& pos) {
    Pipeline p;
    auto is_plain_var = [&](size_t i) {
      return i < t.size() && t[i].kind == Token::Kind::kVariable && t[i].fields.empty();
    };
    auto is_kind = [&](size_t i, Token::Kind k) { return i < t.size() && t[i].kind == k; };
    if (is_plain_var(pos) && is_kind(pos + 1, Token::Kind::kDeclare)) {
      p.declared = {t[pos].text};
      pos += 2;
    } else if (is_plain_var(pos) && is_kind(pos + 1, Token::Kind::kComma) &&
               is_plain_var(pos + 2) && is_kind(pos + 3, Token::Kind::kDeclare)) {
      p.declared = {t[pos].text, t[pos + 2].text};
      pos += 4;
    }
    while (true) {
      p.commands.push_back(SBX_TRY(parse_command(t, pos)));
      if (!is_kind(pos, Token::Kind::kPipe)) break;
      ++pos;
    }
    return p;
  }

  Result<Command> parse_command(const Tokens& t, size_t& pos) {
    Command cmd;
    while (pos < t.size() && t[pos].kind != Token::Kind::kPipe &&
           t[pos].kind != Token::Kind::kRParen)
      cmd.operands.push_back(SBX_TRY(parse_operand(t, pos)));
    if (cmd.operands.empty()) return fail("missing value for command");
    return cmd;
  }

  Result<Operand> parse_operand(const Tokens& t, size_t& pos) {
    const Token& tok = t[pos++];
    Operand op;
    switch (tok.kind) {
      case Token::Kind::kField:
        op.fields = tok.fields;
        return op;
      case Token::Kind::kVariable:
        op.kind = Operand::Kind::kVariable;
        op.name = tok.text;
        op.fields = tok.fields;
        return op;
      case Token::Kind::kString:
      case Token::Kind::kNumber:
        op.kind = Operand::Kind::kLiteral;
        op.literal = tok.value;
        return op;
      case Token::Kind::kIdent:
        return parse_identifier(tok.text);
      case Token::Kind::kLParen: {
        Nesting nesting(depth_);
        SBX_TRY(nesting.check());
        op.kind = Operand::Kind::kPipeline;
        op.pipeline = std::make_shared<Pipeline>(SBX_TRY(parse_pipeline(t, pos)));
        if (pos >= t.size() || t[pos].kind != Token::Kind::kRParen)
          return fail("unclosed left paren");
        ++pos;
        if (pos < t.size() && t[pos].kind == Token::Kind::kField && t[pos].adjacent)
          op.fields = t[pos++].fields;
        return op;
      }
      default:
        return fail("unexpected \"" + std::string(tok.kind == Token::Kind::kDeclare ? ":=" : ",") +
                    "\" in operand");
    }
  }

  static Result<Operand> parse_identifier(const std::string& name) {
    Operand op;
    op.kind = Operand::Kind::kLiteral;
    if (name == "true" || name == "false") {
      op.literal = name == "true";
      return op;
    }
    if (name == "nil") {
      op.literal = nullptr;
      return op;
    }
    if (!is_function(name)) return fail("function \"" + name + "\" not defined");
    op.kind = Operand::Kind::kFunction;
    op.name = name;
    return op;
  }

  // Blocks and parentheses nest at most kMaxDepth deep (the parser and the
  // evaluator recurse on them).
  static constexpr int kMaxDepth = 100;
  class Nesting {
   public:
    explicit Nesting(int& depth) : depth_(++depth) {}
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    Status check() const {
      if (depth_ > kMaxDepth) return fail("nested more than 100 deep");
      return {};
    }

   private:
    int& depth_;
  };

  std::vector<Segment> segments_;
  int depth_ = 0;
  size_t next_ = 0;
  std::string stop_;
  Tokens stop_rest_;
  int stop_line_ = 0, stop_column_ = 0;
};

}  // namespace

Result<std::vector<Node>> parse(std::string_view source) {
  std::vector<Segment> segments = SBX_TRY(cut_segments(source));
  return Parser(std::move(segments)).parse_all();
}

}  // namespace sbx::cli::tmpl
