#include "sandbox/userns/child_report.hpp"

namespace sbx::userns {

Status add_to_report(ChildReport& report, const SyncMessage& message) {
  switch (message.type) {
    case SyncType::kWarning:
      report.warnings.push_back(sync_text(message));
      return {};
    case SyncType::kFailed:
    case SyncType::kError:
      report.error = sync_error_to_error(message);
      return {};
    case SyncType::kDone:
      report.done = true;
      return {};
    default:
      return fail("user namespace child: unexpected message type " +
                  std::to_string(static_cast<uint32_t>(message.type)));
  }
}

}  // namespace sbx::userns
