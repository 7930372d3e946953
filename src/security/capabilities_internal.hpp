// Shared by the capability and plan code of the child.
#pragma once

namespace sbx::security {

// effective = permitted (after a KEEPCAPS setresuid the effective set is
// empty). Returns 0 or an errno; no allocation.
int raise_effective_caps() noexcept;

}  // namespace sbx::security
