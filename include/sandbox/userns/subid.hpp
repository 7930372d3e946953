// Subordinate id ranges of a user: /etc/subuid and /etc/subgid, or libsubid
// where the host serves them from elsewhere (sss, LDAP).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/lazy_library.hpp"

namespace sbx::userns {

struct SubidRange {
  uint32_t start = 0;
  uint32_t count = 0;
  friend bool operator==(const SubidRange&, const SubidRange&) = default;
};

// Who the ranges are looked up for: /etc/sub*id lines may name the user or
// give the numeric uid.
struct SubidOwner {
  std::string name;  // empty when the uid has no passwd entry
  uid_t uid = 0;
};

// The ranges of `owner` in the text of /etc/subuid or /etc/subgid, in file
// order. Comments, blank lines and malformed lines are skipped.
std::vector<SubidRange> parse_subid_file(std::string_view text, const SubidOwner& owner);

// The sum of the counts (saturating at UINT32_MAX).
uint64_t total_ids(const std::vector<SubidRange>& ranges);

// A start for a new 65536-id range that overlaps no line of `text` (at least
// 100000), for the hint "add 'alice:165536:65536' to /etc/subuid".
uint32_t suggest_free_start(std::string_view text, uint32_t count = 65536);

enum class SubidKind { kUid, kGid };

struct SubidLookup {
  std::vector<SubidRange> ranges;
  std::string source;  // "/etc/subuid", "libsubid", or empty when nothing was found
  uint32_t suggested_start = 100000;
};

// Reads /etc/subuid (or /etc/subgid) and falls back to libsubid when the file
// has nothing for `owner`. A missing file is no error (no ranges).
Result<SubidLookup> lookup_subids(SubidKind kind, const SubidOwner& owner);

// libsubid, which serves ranges from an nsswitch `subid:` source (sss, LDAP).
OptionalLibrary libsubid_library();

// The invoking user (real uid) and its passwd name.
SubidOwner current_owner();

}  // namespace sbx::userns
