// libsubid behind a plain interface, so its types stay out of public headers.
#pragma once

#include <string>
#include <vector>

#include "sandbox/userns/subid.hpp"

namespace sbx::userns {

// The ranges libsubid serves for `user` (nsswitch `subid:` source); empty
// when it has none or fails.
std::vector<SubidRange> libsubid_ranges(SubidKind kind, const std::string& user);

}  // namespace sbx::userns
