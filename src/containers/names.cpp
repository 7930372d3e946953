// Container names: docker's grammar, and generated adjective_noun names.
#include <sys/random.h>

#include <array>
#include <string>

#include "sandbox/containers/records.hpp"

namespace sbx::containers {
namespace {

constexpr std::array<const char*, 40> kAdjectives = {
    "agile",  "amber",  "ancient", "bold",    "brave",  "bright", "calm",      "clever",
    "cosmic", "crisp",  "curious", "daring",  "deep",   "eager",  "fancy",     "fierce",
    "gentle", "golden", "happy",   "hidden",  "humble", "jolly",  "keen",      "lively",
    "lucid",  "mellow", "nimble",  "patient", "proud",  "quiet",  "rapid",     "serene",
    "shiny",  "silent", "sturdy",  "swift",   "tender", "vivid",  "wandering", "witty"};

constexpr std::array<const char*, 40> kNouns = {
    "alder",  "badger",  "beacon",  "birch",   "canyon", "cedar",  "comet",   "coral",
    "crane",  "delta",   "dune",    "falcon",  "fern",   "fjord",  "glacier", "harbor",
    "heron",  "island",  "juniper", "kestrel", "lagoon", "larch",  "lynx",    "maple",
    "meadow", "nebula",  "otter",   "pebble",  "pine",   "quartz", "raven",   "reef",
    "river",  "sequoia", "sparrow", "summit",  "tundra", "walrus", "willow",  "zephyr"};

unsigned random_below(unsigned bound) {
  unsigned value = 0;
  if (::getrandom(&value, sizeof value, 0) != sizeof value) value = static_cast<unsigned>(::rand());
  return value % bound;
}

bool name_char(char c, bool first) {
  bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '.' || c == '-'));
}

}  // namespace

std::string generate_container_name() {
  return std::string(kAdjectives[random_below(kAdjectives.size())]) + "_" +
         kNouns[random_below(kNouns.size())];
}

bool valid_container_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 128) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0)) return false;
  return true;
}

Result<std::string> new_random_id() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) return fail_errno("getrandom", "");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) id += {kHex[b >> 4], kHex[b & 15]};
  return id;
}

}  // namespace sbx::containers
