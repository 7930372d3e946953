// What the userns worker (run_in_userns.hpp) sends back to its parent once it
// is in its namespace: SyncMessages (sandbox/base/sync_message.hpp), one
// kWarning per warning, then the outcome:
//
//   kDone    the body finished successfully; or, before execv, "about to
//            exec" (EOF follows when it succeeded)
//   kFailed  an Error with errno and hint (after kDone: execv failed)
//
// Pure, so the parent's side is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/sync_message.hpp"

namespace sbx::userns {

struct ChildReport {
  std::vector<std::string> warnings;
  std::optional<Error> error;
  bool done = false;  // kDone seen
};

// Adds one message to `report`; a type the worker does not send is an error.
Status add_to_report(ChildReport& report, const SyncMessage& message);

}  // namespace sbx::userns
