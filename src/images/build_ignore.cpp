// .dockerignore: patterns cleaned as docker cleans them, Go's filepath.Match
// per path element with "**" spanning elements, last match wins.
#include "sandbox/base/strings.hpp"
#include "sandbox/images/build_context.hpp"

namespace sbx::images {

namespace {

std::vector<std::string_view> elements(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// A bracket class at pattern[p] ('[' already seen); advances p past ']'.
bool match_class(std::string_view pattern, size_t& p, char c, bool& ok) {
  bool negate = p < pattern.size() && (pattern[p] == '^' || pattern[p] == '!');
  if (negate) ++p;
  bool matched = false;
  bool first = true;
  while (p < pattern.size() && (pattern[p] != ']' || first)) {
    first = false;
    char lo = pattern[p] == '\\' && p + 1 < pattern.size() ? pattern[++p] : pattern[p];
    ++p;
    char hi = lo;
    if (p + 1 < pattern.size() && pattern[p] == '-' && pattern[p + 1] != ']') {
      hi = pattern[p + 1] == '\\' && p + 2 < pattern.size() ? pattern[p + 2] : pattern[p + 1];
      p += pattern[p + 1] == '\\' ? 3 : 2;
    }
    if (lo <= c && c <= hi) matched = true;
  }
  ok = p < pattern.size();
  if (ok) ++p;
  return matched != negate;
}

// One path element against one pattern element (no '/').
bool match_element(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      size_t save = p;
      bool step = false;
      if (pattern[p] == '?') {
        step = true, ++p;
      } else if (pattern[p] == '[') {
        ++p;
        bool ok = false;
        step = match_class(pattern, p, name[n], ok) && ok;
      } else {
        char want = pattern[p] == '\\' && p + 1 < pattern.size() ? pattern[++p] : pattern[p];
        step = want == name[n];
        ++p;
      }
      if (step) {
        ++n;
        continue;
      }
      p = save;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Pattern elements from `pi` against path elements from `ni`. Each (pi, ni)
// is decided once (`memo`), so "**/**/**/..." stays linear in each size.
struct ElementMatcher {
  const std::vector<std::string_view>& pat;
  const std::vector<std::string_view>& path;
  std::vector<signed char> memo =
      std::vector<signed char>((pat.size() + 1) * (path.size() + 1), -1);

  bool match(size_t pi, size_t ni) {
    signed char& known = memo[pi * (path.size() + 1) + ni];
    if (known < 0) known = decide(pi, ni) ? 1 : 0;
    return known == 1;
  }
  bool decide(size_t pi, size_t ni) {
    if (pi == pat.size()) return ni == path.size();
    if (pat[pi] == "**") {
      for (size_t skip = ni; skip <= path.size(); ++skip)
        if (match(pi + 1, skip)) return true;
      return false;
    }
    if (ni == path.size() || !match_element(pat[pi], path[ni])) return false;
    return match(pi + 1, ni + 1);
  }
};

// filepath.Clean for a relative pattern: no "./", no "x/..", no leading '/'.
std::string clean(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::string_view part : elements(text)) {
    if (part == ".") continue;
    if (part == ".." && !out.empty() && out.back() != "..") {
      out.pop_back();
      continue;
    }
    out.push_back(part);
  }
  std::string joined;
  for (std::string_view part : out) {
    if (!joined.empty()) joined += '/';
    joined.append(part);
  }
  return joined;
}

}  // namespace

bool match_glob(std::string_view pattern, std::string_view path) {
  std::vector<std::string_view> pat = elements(pattern);
  std::vector<std::string_view> names = elements(path);
  return ElementMatcher{pat, names}.match(0, 0);
}

IgnoreRules IgnoreRules::parse(std::string_view text) {
  IgnoreRules rules;
  for (const std::string& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    Pattern pattern;
    if (line.front() == '!') {
      pattern.exception = true;
      line = trim(line.substr(1));
    }
    pattern.glob = clean(line);
    if (pattern.glob.empty()) continue;
    rules.patterns_.push_back(std::move(pattern));
  }
  return rules;
}

bool IgnoreRules::excluded(std::string_view path) const {
  bool out = false;
  std::vector<std::string_view> parts = elements(path);
  for (const Pattern& pattern : patterns_) {
    std::vector<std::string_view> pat = elements(pattern.glob);
    bool hit = false;
    // The path itself or one of its parent directories.
    for (size_t len = parts.size(); len > 0 && !hit; --len) {
      std::vector<std::string_view> prefix(parts.begin(), parts.begin() + len);
      hit = ElementMatcher{pat, prefix}.match(0, 0);
    }
    if (hit) out = !pattern.exception;
  }
  return out;
}

}  // namespace sbx::images
