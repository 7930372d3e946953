// RUN: what `sandbox run` and `sandbox commit` do, one after the other. The
// step's command runs in an ordinary container of the current image (same
// isolation, seccomp, user mapping and networking as run); its changes are
// committed as a layer and the container removed.
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "build_state.hpp"
#include "platforms.hpp"
#include "run_mounts.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/commit.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/launch/run.hpp"

namespace sbx::build {

namespace {

constexpr const char* kProxyArgs[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                      "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                      "ALL_PROXY",  "all_proxy"};

// Sends fds 1 and 2 to /dev/null while it lives (-q: RUN output is dropped).
class QuietOutput {
 public:
  explicit QuietOutput(bool quiet) {
    if (!quiet) return;
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0) return;
    saved_out_ = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
    saved_err_ = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::close(null);
  }
  QuietOutput(const QuietOutput&) = delete;
  QuietOutput& operator=(const QuietOutput&) = delete;
  ~QuietOutput() {
    if (saved_out_ >= 0) ::dup2(saved_out_, 1), ::close(saved_out_);
    if (saved_err_ >= 0) ::dup2(saved_err_, 2), ::close(saved_err_);
  }

 private:
  int saved_out_ = -1;
  int saved_err_ = -1;
};

// The command: exec form, a heredoc script, or SHELL + the text (with its
// heredocs, which the shell reads itself).
std::vector<std::string> run_argv(const StageState& state, const images::Instruction& ins) {
  if (ins.exec_form) return *ins.exec_form;
  std::vector<std::string> argv = state.shell;
  const auto& docs = ins.heredocs;
  std::string_view args = trim(ins.args);
  if (docs.size() == 1 &&
      (args == "<<" + docs[0].name || args == "<<-" + docs[0].name ||
       args == "<<\"" + docs[0].name + "\"" || args == "<<'" + docs[0].name + "'")) {
    argv.push_back(docs[0].body);
    return argv;
  }
  std::string text = ins.args;
  for (const images::Heredoc& doc : docs) text += "\n" + doc.body + doc.name;
  argv.push_back(text);
  return argv;
}

// Build args the step sees as environment (not kept in the image); ENV wins.
std::vector<std::string> run_env(const Build& build, const StageState& state) {
  std::map<std::string, std::string> env = state.args;
  for (const char* name : kProxyArgs)
    if (auto given = build.options.build_args.find(name); given != build.options.build_args.end())
      env[name] = given->second;
  for (const std::string& entry : state.config.env) env.erase(entry.substr(0, entry.find('=')));
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

Result<std::string> random_name() {
  unsigned char bytes[8];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) return fail_errno("getrandom", "");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "sandbox-build-";
  for (unsigned char b : bytes) name += {kHex[b >> 4], kHex[b & 15]};
  return name;
}

// Runs the container and commits it; removes it either way.
Result<StepResult> run_and_commit(Build& build, const StageState& state,
                                  const launch::RunOptions& run, const std::string& created_by) {
  images::NullProgress quiet_progress;
  int status = 0;
  {
    QuietOutput quiet(build.options.quiet);
    status = SBX_TRY(launch::run_container(run, build.output));
  }
  containers::Containers all = SBX_TRY(containers::Containers::open(build.store.root()));
  std::string id = SBX_TRY(all.resolve(run.flags.name));
  auto remove = [&] { (void)containers::remove_container(all, id, true); };
  if (status != 0) {
    remove();
    return StepResult{{},
                      false,
                      status,
                      "step " + std::to_string(build.step) + "/" + std::to_string(build.total) +
                          " '" + created_by + "': exit status " + std::to_string(status)};
  }
  containers::CommitOptions options;
  options.author = state.config.author;
  options.created_by = created_by;
  options.pause = false;
  auto committed = containers::commit_container(build.store, id, "", options, quiet_progress);
  remove();
  if (!committed) return std::unexpected(committed.error());
  return StepResult{committed->id, false, 0, {}};
}

}  // namespace

Result<StepResult> run_run_step(Build& build, StageState& state, const images::Instruction& ins) {
  SBX_TRY(check_runs_here(state.config));
  launch::RunOptions run;
  run.store_root = build.store.root();
  run.storage_driver = build.options.storage_driver;
  run.flags.image = state.image.id.str();
  run.flags.command = run_argv(state, ins);
  run.flags.entrypoint = "";
  run.flags.env = run_env(build, state);
  run.flags.network = ins.flag("network").value_or(build.options.network);
  if (run.flags.network == "default") run.flags.network = "";
  RunMounts mounts = SBX_TRY(plan_run_mounts(build, ins));
  run.flags.mounts = mounts.specs;
  run.flags.name = SBX_TRY(random_name());
  nlohmann::json key{{"argv", run.flags.command},
                     {"env", run.flags.env},
                     {"network", run.flags.network},
                     {"mounts", ins.flag_all("mount")},
                     {"mounted_images", mounts.from_ids}};
  std::string created_by = "RUN " + ins.args;
  return cached_step(build, state, "RUN\n" + key.dump(), "", [&]() -> Result<StepResult> {
    SBX_TRY(mounts.copy_bound_images(build));
    run.flags.mounts = mounts.specs;
    return run_and_commit(build, state, run, created_by);
  });
}

}  // namespace sbx::build
