// Dockerfile words: variable expansion ($VAR, ${VAR:-x}), quote-aware
// splitting and KEY=VALUE lists, as ENV, LABEL, ARG, COPY and FROM read them.
#include <cctype>

#include "sandbox/base/strings.hpp"
#include "sandbox/images/dockerfile.hpp"

namespace sbx::images {

namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string lookup(const std::map<std::string, std::string>& vars, const std::string& name) {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

// ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word} from just after "${".
Result<std::string> expand_braced(std::string_view text, size_t& i,
                                  const std::map<std::string, std::string>& vars, char escape) {
  size_t start = i;
  while (i < text.size() && name_char(text[i])) ++i;
  std::string name(text.substr(start, i - start));
  if (name.empty()) return fail("bad substitution in '" + std::string(text) + "'", EINVAL);
  if (i < text.size() && text[i] == '}') {
    ++i;
    return lookup(vars, name);
  }
  bool colon = i < text.size() && text[i] == ':';
  if (colon) ++i;
  if (i >= text.size() || (text[i] != '-' && text[i] != '+'))
    return fail("bad substitution in '" + std::string(text) + "'", EINVAL);
  char op = text[i++];
  int depth = 1;
  size_t word_start = i;
  for (; i < text.size() && depth > 0; ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}') --depth;
  }
  if (depth != 0) return fail("missing '}' in '" + std::string(text) + "'", EINVAL);
  std::string word =
      SBX_TRY(expand_variables(text.substr(word_start, i - 1 - word_start), vars, escape));
  auto it = vars.find(name);
  bool set = it != vars.end() && (!colon || !it->second.empty());
  if (op == '-') return set ? it->second : word;
  return set ? word : std::string();
}

}  // namespace

Result<std::string> expand_variables(std::string_view text,
                                     const std::map<std::string, std::string>& vars, char escape) {
  std::string out;
  bool single = false;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == escape && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      i += 2;
    } else if (c == '\'') {
      single = !single;
      out += c;
      ++i;
    } else if (c == '$' && !single && i + 1 < text.size() && text[i + 1] == '{') {
      i += 2;
      out += SBX_TRY(expand_braced(text, i, vars, escape));
    } else if (c == '$' && !single && i + 1 < text.size() && name_char(text[i + 1])) {
      size_t start = ++i;
      while (i < text.size() && name_char(text[i])) ++i;
      out += lookup(vars, std::string(text.substr(start, i - start)));
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

Result<std::vector<std::string>> split_words(std::string_view text, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == escape && quote != '\'' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return fail("unterminated quote in '" + std::string(text) + "'", EINVAL);
  if (in_word) words.push_back(std::move(word));
  return words;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_key_values(std::string_view text,
                                                                          bool legacy,
                                                                          char escape) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view body = trim(text);
  size_t first_space = body.find_first_of(" \t");
  size_t first_eq = body.find('=');
  if (legacy && first_space != std::string_view::npos &&
      (first_eq == std::string_view::npos || first_eq > first_space)) {
    std::string value = SBX_TRY(split_words(trim(body.substr(first_space)), escape)).empty()
                            ? std::string()
                            : std::string(trim(body.substr(first_space)));
    auto words = SBX_TRY(split_words(value, escape));
    std::string joined;
    for (size_t i = 0; i < words.size(); ++i) joined += (i ? " " : "") + words[i];
    out.emplace_back(std::string(body.substr(0, first_space)), joined);
    return out;
  }
  for (const std::string& word : SBX_TRY(split_words(body, escape))) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      if (!legacy) return fail("'" + word + "' is not KEY=VALUE", EINVAL);
      out.emplace_back(word, std::string());
      continue;
    }
    if (eq == 0) return fail("'" + word + "' has an empty key", EINVAL);
    out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

}  // namespace sbx::images
