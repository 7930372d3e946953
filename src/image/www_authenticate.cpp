// WWW-Authenticate parsing (RFC 7235 challenges) and base64.
#include <array>
#include <cctype>
#include <cstring>

#include "sandbox/image/auth.hpp"

namespace sbx::image {
namespace {

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class ChallengeParser {
 public:
  explicit ChallengeParser(std::string_view text) : s_(text) {}

  Result<std::vector<Challenge>> parse() {
    std::vector<Challenge> out;
    while (true) {
      skip_separators();
      if (done()) break;
      std::string scheme = token();
      if (scheme.empty()) return error("expected an auth scheme");
      Challenge challenge{lower(scheme), {}};
      SBX_TRY(parse_params(challenge));
      out.push_back(std::move(challenge));
    }
    if (out.empty()) return fail("empty WWW-Authenticate header");
    return out;
  }

 private:
  // Params until the next challenge's scheme (a token not followed by '=').
  Status parse_params(Challenge& challenge) {
    while (true) {
      skip_separators();
      if (done()) return {};
      size_t start = i_;
      std::string name = token();
      if (name.empty()) return error("expected a parameter name");
      skip_spaces();
      if (done() || s_[i_] != '=') {
        i_ = start;  // a new challenge begins here
        return {};
      }
      ++i_;
      skip_spaces();
      std::string value;
      if (!done() && s_[i_] == '"') {
        value = SBX_TRY(quoted());
      } else {
        while (!done() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t') value += s_[i_++];
      }
      challenge.params[lower(name)] = std::move(value);
    }
  }

  Result<std::string> quoted() {
    ++i_;  // opening quote
    std::string out;
    while (!done()) {
      char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) break;
        c = s_[i_++];
      }
      out += c;
    }
    return error("unterminated quoted string");
  }

  std::string token() {
    size_t start = i_;
    while (!done() && is_tchar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  void skip_spaces() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  void skip_separators() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }
  bool done() const { return i_ >= s_.size(); }
  std::unexpected<Error> error(std::string_view what) const {
    return fail("cannot parse WWW-Authenticate '" + std::string(s_) + "': " + std::string(what) +
                " at offset " + std::to_string(i_));
  }

  std::string_view s_;
  size_t i_ = 0;
};

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string Challenge::param(std::string_view key) const {
  auto it = params.find(lower(key));
  return it == params.end() ? std::string() : it->second;
}

Result<std::vector<Challenge>> parse_www_authenticate(std::string_view header) {
  return ChallengeParser(header).parse();
}

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (size_t rest = data.size() - i; rest > 0) {
    uint32_t n = uint8_t(data[i]) << 16;
    if (rest == 2) n |= uint8_t(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kAlphabet[i])] = i;
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return fail("invalid base64 text");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  if (count >= 6) return fail("invalid base64 text (truncated)");
  return out;
}

std::string basic_authorization(const Credentials& credentials) {
  return "Basic " + base64_encode(credentials.username + ":" + credentials.password);
}

}  // namespace sbx::image
