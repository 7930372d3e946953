// Docker reference grammar (distribution/reference regexp.go), hand-written
// so each rejection can say what is wrong.
#include "sandbox/image/reference.hpp"

#include <algorithm>
#include <cctype>

#include "sandbox/image/digest.hpp"

namespace sbx::image {
namespace {

constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kLocalhost = "localhost";
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// alphanumeric (separator alphanumeric)*, separator := [._] | __ | -+
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else if (c.substr(i, 2) == "__") {
      i += 2;
    } else if (c[i] == '.' || c[i] == '_') {
      ++i;
    } else {
      return false;
    }
    if (i == start || i >= c.size() || !is_lower_alnum(c[i])) return false;
  }
  return true;
}

bool valid_path(std::string_view path) {
  if (path.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (!valid_path_component(path.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

// (domain-name | [ipv6]) (:port)?
bool valid_domain(std::string_view domain) {
  std::string_view host = domain;
  std::string_view port;
  if (domain.starts_with('[')) {
    size_t close = domain.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    std::string_view inner = domain.substr(1, close - 1);
    if (!std::all_of(inner.begin(), inner.end(), [](char c) { return is_hex(c) || c == ':'; }))
      return false;
    std::string_view rest = domain.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    host = {};
    port = rest;
  } else if (size_t colon = domain.find(':'); colon != std::string_view::npos) {
    host = domain.substr(0, colon);
    port = domain.substr(colon);
  }
  if (!port.empty()) {
    std::string_view digits = port.substr(1);
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
  }
  if (domain.starts_with('[')) return true;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    if (!valid_domain_component(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// [\w][\w.-]{0,127}
bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength || !is_word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(),
                     [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

bool is_identifier(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
         });
}

// The first component of a name is a registry host when it looks like one.
bool looks_like_domain(std::string_view first) {
  return first == kLocalhost || first.find_first_of(".:") != std::string_view::npos ||
         has_upper(first);
}

// splitDockerDomain: the first component is a domain when it looks like one.
std::pair<std::string, std::string> split_docker_domain(std::string_view name) {
  std::string domain;
  std::string remote;
  size_t slash = name.find('/');
  if (slash == std::string_view::npos)
    return {std::string(kDefaultDomain), "library/" + std::string(name)};
  std::string_view first = name.substr(0, slash);
  std::string_view rest = name.substr(slash + 1);
  if (first == kLegacyDefaultDomain) {
    domain = kDefaultDomain;
    remote = rest;
  } else if (looks_like_domain(first)) {
    domain = first;
    remote = rest;
  } else {
    domain = kDefaultDomain;
    remote = name;
  }
  if (domain == kDefaultDomain && remote.find('/') == std::string::npos)
    remote.insert(0, kOfficialRepoPrefix);
  return {domain, remote};
}

Error invalid(std::string_view text, std::string_view why) {
  return Error("invalid reference format: " + std::string(why) + " in '" + std::string(text) + "'");
}

}  // namespace

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return fail(invalid(text, "repository name must have at least one component"));
  if (is_identifier(text))
    return fail("invalid repository name (" + std::string(text) +
                "), cannot specify 64-byte hexadecimal strings");
  auto [domain, remainder] = split_docker_domain(text);
  Reference ref;
  ref.domain = domain;
  std::string_view rest = remainder;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  bool has_tag = false;
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    has_tag = true;
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  ref.path = rest;
  if (has_upper(ref.path)) return fail(invalid(text, "repository name must be lowercase"));
  if (!valid_domain(ref.domain)) return fail(invalid(text, "bad registry host"));
  if (!valid_path(ref.path)) return fail(invalid(text, "bad repository name"));
  if (ref.path.size() > kMaxNameLength)
    return fail(invalid(text, "repository name must not be more than 255 characters"));
  if (has_tag && !valid_tag(ref.tag)) return fail(invalid(text, "bad tag"));
  if (remainder.find('@') != std::string::npos) {
    auto digest = Digest::parse(ref.digest);
    if (!digest) return fail(invalid(text, digest.error().message()));
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = kDefaultTag;
  return ref;
}

std::string Reference::repository() const { return domain + "/" + path; }

std::string Reference::manifest_reference() const { return digest.empty() ? tag : digest; }

std::string Reference::canonical() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar_repository() const {
  if (domain != kDefaultDomain) return repository();
  std::string_view p = path;
  if (p.starts_with(kOfficialRepoPrefix) &&
      p.substr(kOfficialRepoPrefix.size()).find('/') == std::string_view::npos)
    return std::string(p.substr(kOfficialRepoPrefix.size()));
  if (looks_like_domain(p.substr(0, p.find('/')))) return repository();
  return std::string(p);
}

std::string Reference::familiar() const {
  std::string out = familiar_repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string registry_endpoint(std::string_view domain) {
  if (domain == kDefaultDomain || domain == kLegacyDefaultDomain) return "registry-1.docker.io";
  return std::string(domain);
}

std::string normalize_registry_host(std::string_view host) {
  std::string_view h = host;
  if (h.starts_with("https://"))
    h.remove_prefix(8);
  else if (h.starts_with("http://"))
    h.remove_prefix(7);
  if (size_t slash = h.find('/'); slash != std::string_view::npos) h = h.substr(0, slash);
  if (h == kLegacyDefaultDomain || h == "registry-1.docker.io" || h == kDefaultDomain)
    return std::string(kDefaultDomain);
  return std::string(h);
}

bool is_loopback_registry(std::string_view domain) {
  std::string_view host = domain;
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
    return host == "::1" || host == "0:0:0:0:0:0:0:1";
  }
  if (size_t colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  if (host == kLocalhost) return true;
  if (!host.starts_with("127.")) return false;
  // A dotted quad under 127/8, not a name like 127.example.com.
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

}  // namespace sbx::image
