#include "hooks.hpp"

#include "sandbox/base/process.hpp"

namespace sbx::oci {

Status run_hooks(const std::vector<Hook>& hooks, const std::string& kind,
                 const std::string& state_json) {
  for (const Hook& hook : hooks) {
    // args[0] is the hook's own argv[0] in the spec; the path is what runs.
    std::vector<std::string> argv = {hook.path};
    if (hook.args.size() > 1) argv.insert(argv.end(), hook.args.begin() + 1, hook.args.end());
    CommandOptions options;
    options.stdin_data = state_json;
    options.capture_stdout = false;
    options.env = hook.env;
    SBX_TRY_CTX(run_checked(argv, options), kind + " hook " + hook.path);
  }
  return {};
}

}  // namespace sbx::oci
