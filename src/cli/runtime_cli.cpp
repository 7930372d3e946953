// sandbox-runtime: runc's command line over the oci module. Engines call it by
// path (a link to the sandbox binary: main() dispatches on argv[0]). Errors go
// to stderr as one line and, with --log, to that file as runc writes them
// (--log-format json: {"level":"error","msg":...,"time":...}), where podman
// and containerd read them. A failing command exits 1, as runc does.
#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/oci/config.hpp"
#include "sandbox/oci/runtime.hpp"

namespace sbx::cli {
namespace {

constexpr int kRuntimeFailed = 1;

// Flags engines pass that change nothing here.
bool ignored_flag = false;

struct RuntimeGlobals {
  std::string root, log, log_format = "text", rootless;
  bool debug = false, systemd_cgroup = false;
};

// One line to --log (else stderr), in the --log-format.
void log_line(const RuntimeGlobals& g, const std::string& level, const std::string& message) {
  std::string line =
      g.log_format == "json"
          ? nlohmann::json{{"level", level}, {"msg", message}, {"time", containers::now_rfc3339()}}
                .dump()
          : "level=" + level + " msg=\"" + message + "\"";
  if (g.log.empty()) {
    std::fprintf(stderr, "%s\n", line.c_str());
    return;
  }
  if (auto fd = open_file(g.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644))
    (void)write_all(fd->get(), line + "\n");
}

void log_error(const RuntimeGlobals& g, const Error& error) {
  std::fprintf(stderr, "sandbox-runtime: %s\n", error.message().c_str());
  if (!error.hint().empty()) std::fprintf(stderr, "hint: %s\n", error.hint().c_str());
  if (!g.log.empty()) log_line(g, "error", error.message());
}

std::string user_name(uid_t uid) {
  passwd entry{}, *found = nullptr;
  char buffer[1024];
  if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
  return std::to_string(uid);
}

// runc's table: columns padded with spaces (at least 12 wide, 3 apart).
std::string list_table(const std::vector<oci::ListEntry>& entries) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& e : entries)
    rows.push_back({e.state.id,
                    std::to_string(e.status == oci::ContainerStatus::kStopped ? 0 : e.state.pid),
                    std::string(oci::status_name(e.status)), e.state.bundle, e.state.created,
                    user_name(e.state.owner)});
  std::vector<size_t> width(rows[0].size(), 12);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size() + 3);
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i)
      out += i + 1 < row.size() ? row[i] + std::string(width[i] - row[i].size(), ' ') : row[i];
    out += "\n";
  }
  return out;
}

std::string list_json(const std::vector<oci::ListEntry>& entries) {
  // runc's field order, which scripts match on.
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& e : entries)
    out.push_back({{"ociVersion", "1.0.2"},
                   {"id", e.state.id},
                   {"pid", e.status == oci::ContainerStatus::kStopped ? 0 : e.state.pid},
                   {"status", oci::status_name(e.status)},
                   {"bundle", e.state.bundle},
                   {"rootfs", e.state.rootfs},
                   {"created", e.state.created},
                   {"owner", user_name(e.state.owner)}});
  return out.dump();
}

std::vector<std::string> split_whitespace(const std::string& line) {
  std::vector<std::string> out;
  for (const auto& part : split(line, ' '))
    if (!part.empty()) out.push_back(part);
  return out;
}

// runc ps: `ps` (default -ef) on the host, the lines of the container's pids.
Result<std::string> ps_table(const std::vector<pid_t>& pids, std::vector<std::string> args) {
  if (args.empty()) args = {"-ef"};
  args.insert(args.begin(), "ps");
  auto result = SBX_TRY(run_checked(args));
  std::string out;
  size_t pid_column = std::string::npos;
  for (const auto& line : split(result.out, '\n')) {
    auto fields = split_whitespace(line);
    if (pid_column == std::string::npos) {
      for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i] == "PID") pid_column = i;
      if (pid_column == std::string::npos) return fail("ps: no PID column in its output");
      out += line + "\n";
      continue;
    }
    if (pid_column < fields.size())
      for (pid_t pid : pids)
        if (fields[pid_column] == std::to_string(pid)) out += line + "\n";
  }
  return out;
}

Status write_example_spec(const std::string& bundle, bool rootless) {
  auto path = std::filesystem::path(bundle) / "config.json";
  if (path_exists(path)) return fail("File " + path.string() + " exists. Remove it first");
  return write_file_atomic(path, oci::example_config_json(rootless, ::geteuid(), ::getegid()), 0644,
                           Durability::kVolatile);
}

void add_create_options(CLI::App* sub, oci::CreateOptions& o) {
  sub->add_option("-b,--bundle", o.bundle, "the bundle directory (default: .)");
  sub->add_option("--pid-file", o.pid_file, "write the container's pid here");
  sub->add_option("--console-socket", o.console_socket, "unix socket to send the pty master to");
  sub->add_option("--preserve-fds", o.preserve_fds, "pass fds 3..3+N-1 to the container");
  sub->add_flag("--no-pivot", o.no_pivot, "accepted; pivot_root is always used");
  sub->add_flag("--no-new-keyring", ignored_flag,
                "accepted; the container gets a new session keyring");
  sub->add_option("id", o.id, "container id")->required();
}

struct Commands {
  RuntimeGlobals g;
  oci::CreateOptions create;
  oci::ExecOptions exec;
  std::string id, signal = "SIGTERM", format = "table", spec_bundle = ".";
  std::vector<std::string> ps_args;
  bool all = false, force = false, quiet = false, detach = false, spec_rootless = false;
  int exit_code = 0;
};

Result<oci::StateDir> state_dir(const Commands& c) {
  return oci::StateDir::open(c.g.root.empty() ? oci::default_state_root()
                                              : std::filesystem::path(c.g.root));
}

Status print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  return {};
}

// runc's commands this runtime has no counterpart for: there for `-h`, as
// runc's scripts and help tests expect them, and refused when run.
constexpr std::array<std::pair<const char*, const char*>, 6> kUnsupported = {{
    {"checkpoint", "checkpoint a running container (not supported: no CRIU)"},
    {"restore", "restore a checkpointed container (not supported: no CRIU)"},
    {"events", "the container's events and stats (not supported)"},
    {"pause", "freeze the container's processes (not supported)"},
    {"resume", "thaw a paused container (not supported)"},
    {"update", "change the container's resource limits (not supported)"},
}};

Status run_command_named(const std::string& name, Commands& c, const CLI::App& exec_app) {
  for (const auto& [unsupported, what] : kUnsupported)
    if (name == unsupported) return fail("sandbox-runtime has no `" + name + "` command: " + what);
  if (name == "spec") return write_example_spec(c.spec_bundle, c.spec_rootless);
  if (name == "features") return print(oci::features_json() + "\n");
  auto dir = SBX_TRY(state_dir(c));
  if (name == "create") return oci::create_container(dir, c.create);
  if (name == "run") {
    c.exit_code = SBX_TRY(oci::run_container(dir, c.create, c.detach));
    return {};
  }
  if (name == "start") return oci::start_container(dir, c.id);
  if (name == "state") return print(SBX_TRY(oci::container_state(dir, c.id)) + "\n");
  if (name == "kill")
    return oci::signal_container(dir, c.id, SBX_TRY(oci::parse_signal(c.signal)), c.all);
  if (name == "delete") return oci::delete_container(dir, c.id, c.force);
  if (name == "list") {
    auto entries = oci::list_containers(dir);
    if (c.quiet) {
      for (const auto& e : entries) std::printf("%s\n", e.state.id.c_str());
      return {};
    }
    return print(c.format == "json" ? list_json(entries) + "\n" : list_table(entries));
  }
  if (name == "ps") {
    auto pids = SBX_TRY(oci::container_processes(dir, c.id));
    if (c.format == "json") return print(nlohmann::json(pids).dump() + "\n");
    return print(SBX_TRY(ps_table(pids, c.ps_args)));
  }
  if (name == "exec") {
    auto rest = exec_app.remaining();
    if (rest.empty()) return fail("exec: a container id is needed");
    c.exec.id = rest[0];
    c.exec.args.assign(rest.begin() + 1, rest.end());
    c.exit_code = SBX_TRY(oci::exec_in_container(dir, c.exec));
    return {};
  }
  return fail("unknown command " + name);
}

// runc's help layout, which scripts and runc's own tests read: "NAME:" and
// then the program (or "PROGRAM COMMAND") with what it is, runc's name said.
class RuncHelpFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    std::string head = app->get_parent() == nullptr
                           ? "   sandbox-runtime - a rootless OCI runtime with the command line of "
                             "runc - Open Container Initiative runtime"
                           : "   sandbox-runtime " + app->get_name() + " - " +
                                 app->get_description() + " (as runc " + app->get_name() + ")";
    return "NAME:\n" + head + "\n\n" + CLI::Formatter::make_help(app, std::move(name), mode);
  }
};

// The first word that is no global flag or its value: the command.
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with('-')) return std::string(arg);
    bool takes_value = arg == "--root" || arg == "--log" || arg == "--log-format" ||
                       arg == "--rootless" || arg == "--criu";
    if (takes_value) ++i;
  }
  return "";
}

bool has_command(const CLI::App& app, const std::string& name) {
  try {
    (void)app.get_subcommand(name);
    return true;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

bool asks_for_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "-h" || std::string_view(argv[i]) == "--help") return true;
  return false;
}

// runc's --debug lines around the container's setup (the three stages its
// tests look for, named as runc names them).
void log_setup_stage(const RuntimeGlobals& g, const std::string& command, bool done) {
  if (!g.debug || (command != "create" && command != "run")) return;
  if (!done) {
    log_line(g, "debug", "nsexec container setup: clone into the config's namespaces, id maps");
    log_line(g, "debug", "child process in init(): mounts, pivot_root, credentials, seccomp");
    return;
  }
  log_line(g, "debug", "init: closing the pipe to signal completion: the container was set up");
}

}  // namespace

int run_runtime_cli(int argc, char** argv) {
  CLI::App app{"an OCI runtime with runc's command line", "sandbox-runtime"};
  app.formatter(std::make_shared<RuncHelpFormatter>());
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", [] {
    return std::string("sandbox-runtime version ") + SANDBOX_VERSION +
           ", the command line of runc version 1.1.5\ncommit: " + kBuildCommit + "\nspec: 1.1.0";
  });
  Commands c;
  app.add_option("--root", c.g.root, "state directory");
  app.add_option("--log", c.g.log, "also write errors to this file");
  app.add_option("--log-format", c.g.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", c.g.debug, "accepted");
  app.add_flag("--systemd-cgroup", c.g.systemd_cgroup, "accepted");
  app.add_option("--rootless", c.g.rootless, "accepted (true, false or auto)");
  app.add_option("--criu", "accepted; checkpoints are not supported");

  add_create_options(app.add_subcommand("create", "create a container, waiting for start"),
                     c.create);
  auto* run = app.add_subcommand("run", "create and start a container, wait for it");
  add_create_options(run, c.create);
  run->add_flag("-d,--detach", c.detach, "return once it runs");
  run->add_flag("--keep", ignored_flag, "accepted");
  run->add_flag("--no-subreaper", ignored_flag, "accepted");
  app.add_subcommand("start", "run the created container's process")
      ->add_option("id", c.id)
      ->required();
  app.add_subcommand("state", "the container's state as JSON")->add_option("id", c.id)->required();
  auto* kill = app.add_subcommand("kill", "signal the container's init");
  kill->add_flag("-a,--all", c.all, "every process of the container");
  kill->add_option("id", c.id)->required();
  kill->add_option("signal", c.signal, "number or name (default SIGTERM)");
  auto* del = app.add_subcommand("delete", "remove a stopped container");
  del->add_flag("-f,--force", c.force, "kill it first if it runs");
  del->add_option("id", c.id)->required();
  auto* list = app.add_subcommand("list", "the containers");
  list->add_flag("-q,--quiet", c.quiet, "ids only");
  list->add_option("-f,--format", c.format, "table or json");
  auto* ps = app.add_subcommand("ps", "the container's processes");
  ps->add_option("-f,--format", c.format, "table or json");
  ps->add_option("id", c.id)->required();
  ps->add_option("ps-args", c.ps_args, "arguments for ps (default -ef)");
  auto* spec = app.add_subcommand("spec", "write an example config.json");
  spec->add_flag("--rootless", c.spec_rootless, "for an unprivileged user");
  spec->add_option("-b,--bundle", c.spec_bundle, "where to write it");
  app.add_subcommand("features", "what this runtime supports, as JSON");
  auto* exec = app.add_subcommand("exec", "run a process in the container");
  exec->prefix_command();
  exec->add_option("-p,--process", c.exec.process_file, "a process.json");
  exec->add_option("-e,--env", c.exec.env, "KEY=VALUE");
  exec->add_option("--cwd", c.exec.cwd, "working directory");
  exec->add_option("-u,--user", c.exec.user, "UID[:GID]");
  exec->add_option("-c,--cap", c.exec.caps, "an added capability");
  exec->add_flag("-t,--tty", c.exec.tty, "a terminal (needs --console-socket)");
  exec->add_flag("-d,--detach", c.exec.detach, "return once it runs");
  exec->add_option("--pid-file", c.exec.pid_file, "write its pid here");
  exec->add_option("--console-socket", c.exec.console_socket, "where the pty master goes");
  exec->add_option("--preserve-fds", c.exec.preserve_fds, "accepted");
  exec->add_flag("--no-subreaper", ignored_flag, "accepted");
  exec->add_option("--process-label", "accepted");
  exec->add_option("--apparmor", "accepted");
  for (const auto& [name, what] : kUnsupported) app.add_subcommand(name, what)->allow_extras();

  // runc's answer to help on a command it does not have.
  if (std::string word = command_word(argc, argv);
      !word.empty() && asks_for_help(argc, argv) && !has_command(app, word)) {
    std::fprintf(stderr, "No help topic for '%s'\n", word.c_str());
    return kRuntimeFailed;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kRuntimeFailed;
  }
  for (const CLI::App* sub : app.get_subcommands()) {
    if (c.g.debug) log_line(c.g, "debug", "sandbox-runtime " + sub->get_name());
    log_setup_stage(c.g, sub->get_name(), false);
    Status done = run_command_named(sub->get_name(), c, *exec);
    if (!done) {
      log_error(c.g, done.error());
      return kRuntimeFailed;
    }
    log_setup_stage(c.g, sub->get_name(), true);
  }
  return c.exit_code;
}

}  // namespace sbx::cli
