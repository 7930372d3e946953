// The per-user network namespace: its state file, addresses, and netavark
// run in it through nsenter. Layout of `dir`:
//   lock                 flock for every change
//   state                "holder_pid holder_start slirp_pid slirp_start
//                         forwarder_pid forwarder_start" (the last two 0: none)
//   portfwd.sock         the port forwarder's control socket
//   netavark/            netavark's --config (aardvark-dns's records and pid)
//   ips/<network>/<ip>   one file per address in use, holding the container id
//   containers/<id>.json what netavark was given for the container (teardown reads it)
//   netns/<id>           bind mount of the container's netns (in the holder's mount ns)
#include "sandbox/net/user_netns.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "port_forwarder.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/net/ports.hpp"
#include "sandbox/net/slirp.hpp"
#include "unix_socket.hpp"
#include "user_netns_detail.hpp"

namespace sbx::net {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using detail::claim_addresses;
using detail::last_error;
using detail::release_addresses;
using detail::run_in_netns;

bool alive(pid_t pid, uint64_t start) {
  if (pid <= 0) return false;
  auto stat = read_proc_stat(pid);
  return stat && stat->state != 'Z' && stat->start_time == start;
}

std::optional<UserNetnsState> read_state(const fs::path& dir) {
  auto text = read_file(dir / "state");
  if (!text) return std::nullopt;
  UserNetnsState s;
  unsigned long long hs = 0, ss = 0, fs = 0;
  int fields = std::sscanf(text->c_str(), "%d %llu %d %llu %d %llu", &s.holder_pid, &hs,
                           &s.slirp_pid, &ss, &s.forwarder_pid, &fs);
  if (fields != 4 && fields != 6) return std::nullopt;
  s.holder_start = hs;
  s.slirp_start = ss;
  s.forwarder_start = fs;
  return s;
}

Status write_state(const fs::path& dir, const UserNetnsState& s) {
  std::string text = std::to_string(s.holder_pid) + " " + std::to_string(s.holder_start) + " " +
                     std::to_string(s.slirp_pid) + " " + std::to_string(s.slirp_start) + " " +
                     std::to_string(s.forwarder_pid) + " " + std::to_string(s.forwarder_start) +
                     "\n";
  return write_file_atomic(dir / "state", text, 0600, Durability::kVolatile);
}

uint64_t start_time_of(pid_t pid) {
  auto stat = read_proc_stat(pid);
  return stat ? stat->start_time : 0;
}

void kill_recorded(pid_t pid, uint64_t start) {
  if (alive(pid, start)) ::kill(pid, SIGKILL);
}

// aardvark-dns daemonizes inside the namespace; its pid file is netavark's.
void kill_aardvark(const fs::path& dir) {
  auto text = read_file(dir / "netavark/aardvark-dns/aardvark.pid");
  if (!text) return;
  pid_t pid = std::atoi(text->c_str());
  auto comm = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (pid > 0 && comm && comm->starts_with("aardvark-dns")) ::kill(pid, SIGKILL);
}

// Ends the holder, slirp4netns and aardvark-dns and forgets every attachment.
void stop_user_netns(const fs::path& dir) {
  if (auto s = read_state(dir)) {
    kill_recorded(s->forwarder_pid, s->forwarder_start);
    kill_recorded(s->slirp_pid, s->slirp_start);
    kill_recorded(s->holder_pid, s->holder_start);
  }
  kill_aardvark(dir);
  for (const char* name : {"state", "slirp.sock", "slirp4netns.log", "portfwd.sock"})
    ::unlink((dir / name).c_str());
  (void)remove_tree(dir / "ips");
  (void)remove_tree(dir / "containers");
  (void)remove_tree(dir / "netavark");
  (void)remove_tree(dir / "netns");
}

Status isolate_networks(pid_t holder);

// The live state, started or repaired with `starter` (under the lock).
Result<UserNetnsState> ensure_running(const fs::path& dir, const UserNetnsStarter& starter) {
  auto state = read_state(dir);
  if (!state || !alive(state->holder_pid, state->holder_start)) {
    stop_user_netns(dir);  // whatever was left of a dead one
    state = UserNetnsState{};
    state->holder_pid = SBX_TRY(starter.holder());
    state->holder_start = start_time_of(state->holder_pid);
    SBX_TRY(write_state(dir, *state));  // a failure below still ends it
    SBX_TRY(make_dirs(dir / "netavark", 0700));
    SBX_TRY(isolate_networks(state->holder_pid));
  }
  if (!alive(state->slirp_pid, state->slirp_start)) {
    // A dead one's tap0 stays (persistent): the new one could not make and
    // configure its own.
    if (state->slirp_pid > 0)
      (void)run_in_netns(state->holder_pid, "ip link del tap0 2>/dev/null; exit 0", {},
                         std::nullopt);
    state->slirp_pid = SBX_TRY(starter.slirp(state->holder_pid));
    state->slirp_start = start_time_of(state->slirp_pid);
  }
  SBX_TRY(write_state(dir, *state));
  return *state;
}

// Bridges of different networks do not forward to each other: a chain in
// the namespace's own firewall (netavark does not use the mangle table) that
// drops what goes from one bridge to another, and lets through what stays on
// one (seen there when the kernel's br_netfilter is on), one rule per bridge.
Status isolate_networks(pid_t holder) {
  auto ran = SBX_TRY(run_in_netns(holder, detail::isolate_networks_script(), {}, std::nullopt));
  if (!ran.succeeded())
    return fail(Error("iptables in the user network namespace failed: " + last_error(ran))
                    .with_hint("apt-get install iptables (netavark needs it too)"));
  return {};
}

std::string setup_script() {
  return "for br in $6; do " + detail::allow_bridge_script("$br") +
         "; done\n"
         ": > \"$1\" && mount --bind \"/proc/$2/ns/net\" \"$1\" || exit 1\n"
         "\"$3\" --config \"$4\" --rootless true --aardvark-binary \"$5\" setup \"$1\" && "
         "exit 0\n"
         "rc=$?; umount \"$1\"; exit $rc";
}
// $6 "last": the container's netns bind mount goes too.
constexpr const char* kTeardownScript =
    "rc=0; [ -z \"$7\" ] || \"$3\" --config \"$4\" --rootless true --aardvark-binary \"$5\""
    " teardown \"$1\" || rc=$?\n"
    "[ \"$6\" != last ] || { umount \"$1\"; rm -f \"$1\"; }; exit $rc";

Result<std::vector<std::string>> netavark_args(const fs::path& dir, const std::string& id,
                                               pid_t container_pid) {
  // Looked up first: no SBX_TRY inside a braced list (GCC 12 -O2 warns on the early return).
  std::string netavark = SBX_TRY(find_netavark());
  std::string aardvark = SBX_TRY(find_aardvark_dns());
  return std::vector<std::string>{(dir / "netns" / id).string(), std::to_string(container_pid),
                                  netavark, (dir / "netavark").string(), aardvark};
}

// The port forwarder of the namespace, started when it does not run.
Status ensure_forwarder(const fs::path& dir, UserNetnsState& state,
                        const UserNetnsStarter& starter) {
  if (alive(state.forwarder_pid, state.forwarder_start)) return {};
  if (!starter.forwarder) return fail("published TCP ports need the port forwarder's starter");
  UniqueFd control = SBX_TRY(listen_unix(dir / "portfwd.sock", SOCK_SEQPACKET));
  state.forwarder_pid = SBX_TRY(starter.forwarder(state.holder_pid, control.get()));
  state.forwarder_start = start_time_of(state.forwarder_pid);
  return write_state(dir, state);
}

// TCP: the forwarder accepts on `tcp` (the host ports' listeners) and
// connects to the container at `target_ip` from inside the namespace.
Status publish_tcp(const fs::path& dir, UserNetnsState& state, const UserNetnsStarter& starter,
                   const std::string& id, std::vector<detail::ForwardedPort> tcp,
                   const std::string& target_ip, json& record) {
  if (tcp.empty()) return {};
  SBX_TRY(ensure_forwarder(dir, state, starter));
  record["portfwd"] = {{"pid", state.forwarder_pid}, {"start", state.forwarder_start}};
  for (auto& f : tcp) f.target_ip = target_ip;
  return detail::forwarder_add(dir / "portfwd.sock", id, tcp);
}

// UDP: slirp4netns -> the namespace's tap0 (10.0.2.100) at the host port,
// where netavark's DNAT sends it on to the container; the forwards' ids go
// into `record` with the slirp4netns they belong to.
Status publish_udp(const fs::path& dir, const UserNetnsState& state,
                   const std::vector<PortRequest>& ports, json& record) {
  record["hostfwd"] = {
      {"slirp_pid", state.slirp_pid}, {"slirp_start", state.slirp_start}, {"ids", json::array()}};
  for (const auto& p : ports) {
    if (p.protocol == "tcp") continue;
    json request = {{"execute", "add_hostfwd"},
                    {"arguments",
                     {{"proto", p.protocol},
                      {"host_addr", p.host_ip.empty() ? "0.0.0.0" : p.host_ip},
                      {"host_port", p.host_port},
                      {"guest_port", p.host_port}}}};
    auto reply = SBX_TRY_CTX(slirp_api_request(dir / "slirp.sock", request.dump()),
                             "publish port " + std::to_string(p.host_port));
    json answer = json::parse(reply, nullptr, false);
    if (answer.is_object() && answer.contains("id") && answer["id"].is_number_integer())
      record["hostfwd"]["ids"].push_back(answer["id"]);
  }
  return {};
}

// Publishes `ports` (publish_tcp, publish_udp), kept in `record` with the
// address they go to, for republish_ports. Either way the container's end
// frees the host port while the namespace lives on.
Status forward_ports(const fs::path& dir, UserNetnsState& state, const UserNetnsStarter& starter,
                     const std::string& id, const std::vector<PortRequest>& ports,
                     std::vector<detail::ForwardedPort> tcp, const std::string& target_ip,
                     json& record) {
  record["ports"] = json::array();
  for (const auto& p : ports)
    record["ports"].push_back({{"host_ip", p.host_ip},
                               {"host_port", p.host_port},
                               {"container_port", p.container_port},
                               {"protocol", p.protocol}});
  record["target_ip"] = target_ip;
  SBX_TRY(publish_tcp(dir, state, starter, id, std::move(tcp), target_ip, record));
  return publish_udp(dir, state, ports, record);
}

// Whether the helper a record's forwards were made by is `pid` (started at
// `start`), the one running now.
bool made_by(const json& record, const char* key, const char* pid_key, const char* start_key,
             pid_t pid, uint64_t start) {
  auto made = record.find(key);
  return made != record.end() && made->is_object() && made->value(pid_key, 0) == pid &&
         made->value(start_key, uint64_t{0}) == start;
}

// The published ports of the containers whose port forwarder or slirp4netns
// died and was replaced since their start: the new one takes them over on
// the same host ports (one that another program took meanwhile stays lost).
// Best effort: the container being attached must not fail for another's.
void republish_ports(const fs::path& dir, UserNetnsState& state, const UserNetnsStarter& starter) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "containers", ec)) {
    json record = json::parse(read_file(entry.path()).value_or(""), nullptr, false);
    if (!record.is_object() || !record["ports"].is_array()) continue;
    std::vector<PortRequest> tcp, udp;
    for (const auto& p : record["ports"]) {
      PortRequest port{p.value("host_ip", ""), p.value("host_port", uint16_t{0}),
                       p.value("container_port", uint16_t{0}), p.value("protocol", "tcp")};
      (port.protocol == "tcp" ? tcp : udp).push_back(port);
    }
    bool tcp_lost = !tcp.empty() && !(made_by(record, "portfwd", "pid", "start",
                                              state.forwarder_pid, state.forwarder_start) &&
                                      alive(state.forwarder_pid, state.forwarder_start));
    bool udp_lost = !udp.empty() && !made_by(record, "hostfwd", "slirp_pid", "slirp_start",
                                             state.slirp_pid, state.slirp_start);
    if (!tcp_lost && !udp_lost) continue;
    std::string id = entry.path().stem().string();
    if (tcp_lost) {
      auto listeners = detail::listen_tcp_ports(tcp);
      if (listeners)
        (void)publish_tcp(dir, state, starter, id, std::move(*listeners),
                          record.value("target_ip", ""), record);
    }
    if (udp_lost) (void)publish_udp(dir, state, udp, record);
    (void)write_file_atomic(entry.path(), record.dump(), 0600, Durability::kVolatile);
  }
}

// Removes the forwards `record` made, when the helper that made them still
// runs (a restarted one never had them; a restarted slirp4netns's ids are
// others').
void unforward_ports(const fs::path& dir, const UserNetnsState& state, const std::string& id,
                     const json& record) {
  if (made_by(record, "portfwd", "pid", "start", state.forwarder_pid, state.forwarder_start) &&
      alive(state.forwarder_pid, state.forwarder_start))
    (void)detail::forwarder_remove(dir / "portfwd.sock", id);
  if (!made_by(record, "hostfwd", "slirp_pid", "slirp_start", state.slirp_pid, state.slirp_start) ||
      !alive(state.slirp_pid, state.slirp_start))
    return;
  for (const auto& fwd_id : record.at("hostfwd").value("ids", json::array())) {
    json request = {{"execute", "remove_hostfwd"}, {"arguments", {{"id", fwd_id}}}};
    (void)slirp_api_request(dir / "slirp.sock", request.dump());
  }
}

// netavark teardown of what `record` holds: the networks of the container's
// start (with its ports) and those `network connect` added (without).
Status teardown_networks(const fs::path& dir, pid_t holder, const std::string& id,
                         const json& record) {
  auto args = SBX_TRY(netavark_args(dir, id, 0));
  std::vector<json> setups;
  const json& options = record["options"];
  if (options.is_object() && options.contains("networks") && !options["networks"].empty())
    setups.push_back(options);
  if (auto c = record.find("connected"); c != record.end() && c->is_object())
    for (const auto& [network, setup] : c->items()) setups.push_back(setup);
  Status status;
  if (setups.empty()) setups.push_back(nullptr);  // only the bind mount to go
  for (size_t i = 0; i < setups.size(); ++i) {
    auto step_args = args;
    step_args.push_back(i + 1 == setups.size() ? "last" : "");
    step_args.push_back(setups[i].is_null() ? "" : "netavark");
    auto ran = run_in_netns(holder, kTeardownScript, step_args,
                            setups[i].is_null() ? "" : setups[i].dump());
    if (!ran)
      status = fail(std::move(ran.error()));
    else if (!ran->succeeded())
      status = fail("netavark teardown failed: " + last_error(*ran));
  }
  return status;
}

}  // namespace

Result<fs::path> user_netns_dir(const fs::path& store_root) {
  fs::path root = SBX_TRY(runtime_root());
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : fs::absolute(store_root).lexically_normal().string()) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char key[17];
  std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(hash));
  fs::path dir = root / (std::string("netns-") + key);
  SBX_TRY(make_dirs(dir, 0700));
  return dir;
}

namespace {

// $`variable` when set (a packager's or a test's path, used as is), else
// podman's libexec dirs, else PATH; `missing` when none has it.
Result<std::string> find_network_helper(const char* variable, const char* name, Error missing) {
  if (const char* given = std::getenv(variable); given && *given) {
    if (::access(given, X_OK) == 0) return std::string(given);
    return fail(std::move(missing).context(std::string("$") + variable + "=" + given +
                                           " is not an executable file"));
  }
  for (const char* dir : {"/usr/lib/podman/", "/usr/libexec/podman/"}) {
    std::string path = std::string(dir) + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  if (auto p = find_program(name)) return *p;
  return fail(std::move(missing));
}

}  // namespace

Result<std::string> find_netavark() {
  return find_network_helper(
      "SANDBOX_NETAVARK", "netavark",
      Error("netavark is not installed: user-defined networks need it")
          .with_hint("apt-get install netavark aardvark-dns (or dnf install netavark)"));
}

Result<std::string> find_aardvark_dns() {
  return find_network_helper(
      "SANDBOX_AARDVARK_DNS", "aardvark-dns",
      Error("aardvark-dns is not installed: containers on a network find each other by name "
            "through it")
          .with_hint("apt-get install aardvark-dns (or dnf install aardvark-dns)"));
}

std::optional<UserNetnsState> live_user_netns(const fs::path& dir) {
  auto s = read_state(dir);
  if (!s || !alive(s->holder_pid, s->holder_start)) return std::nullopt;
  return s;
}

namespace {

// The holder lives in the user namespace every container's own is made in:
// the pause process's. Once that pause process is ended and another made, a
// new container's namespace comes from the new one, over which the old
// holder has no power (netavark cannot set it up). Unknown: assumed fine,
// netavark then says what is wrong.
bool holder_serves(pid_t holder, pid_t container_pid) {
  auto parent = user_namespace_parent(container_pid);
  struct stat made_in, holders;
  if (!parent || ::fstat(parent->get(), &made_in) != 0) return true;
  std::string holder_ns = "/proc/" + std::to_string(holder) + "/ns/user";
  if (::stat(holder_ns.c_str(), &holders) != 0) return true;
  return made_in.st_dev == holders.st_dev && made_in.st_ino == holders.st_ino;
}

// The names of the containers the namespace serves.
std::vector<std::string> attached_names(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "containers", ec)) {
    json record = json::parse(read_file(entry.path()).value_or(""), nullptr, false);
    if (record.is_object()) names.push_back(record.value("name", entry.path().stem().string()));
  }
  return names;
}

// A namespace whose holder cannot serve the container (holder_serves) is made
// anew when no container uses it; otherwise that is the error.
Status replace_if_stale(const fs::path& dir, pid_t container_pid) {
  auto live = live_user_netns(dir);
  if (!live || holder_serves(live->holder_pid, container_pid)) return {};
  std::vector<std::string> users = attached_names(dir);
  if (users.empty()) {
    stop_user_netns(dir);
    return {};
  }
  return fail(Error("the namespace of your user networks belongs to a pause process that has "
                    "ended; a new container cannot join the ones still in it: " +
                    join(users, ", "))
                  .with_hint("stop those containers (sandbox stop NAME): the next run makes the "
                             "namespace anew"));
}

}  // namespace

Result<AttachResult> attach_container(const fs::path& dir, const UserNetnsStarter& starter,
                                      pid_t container_pid, const std::string& id,
                                      const std::string& name,
                                      const std::vector<NetworkConfig>& networks,
                                      const std::vector<NetworkAttachRequest>& requests,
                                      const std::vector<PortRequest>& ports) {
  auto args = SBX_TRY(netavark_args(dir, id, container_pid));
  auto tcp = SBX_TRY(detail::listen_tcp_ports(ports));
  auto lock = SBX_TRY(FileLock::acquire(dir / "lock", FileLock::Mode::kExclusive));
  SBX_TRY(replace_if_stale(dir, container_pid));
  auto state = SBX_TRY(ensure_running(dir, starter));
  republish_ports(dir, state, starter);
  SBX_TRY(make_dirs(dir / "containers", 0700));
  SBX_TRY(make_dirs(dir / "netns", 0700));
  AttachResult result{.slirp_pid = state.slirp_pid};
  json record = {{"name", name}, {"networks", json::object()}};
  auto file = dir / "containers" / (id + ".json");
  // A failure before netavark's setup leaves nothing of this container; a
  // namespace started for it alone (no other container attached) goes too.
  auto undo = [&] {
    release_addresses(dir, record);
    ::unlink(file.c_str());
    std::error_code ec;
    if (fs::is_empty(dir / "containers", ec) || ec) stop_user_netns(dir);
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    auto ips = claim_addresses(dir, networks[i], requests[i], id);
    if (!ips) {
      undo();
      return fail(std::move(ips.error()));
    }
    record["networks"][networks[i].name]["static_ips"] = *ips;
    result.attachments.push_back({networks[i], requests[i].aliases, (*ips)[0],
                                  ips->size() > 1 ? (*ips)[1] : "", "eth" + std::to_string(i)});
  }
  std::string input = netavark_options_json(id, name, result.attachments, ports);
  record["options"] = json::parse(input);
  if (auto w = write_file_atomic(file, record.dump(), 0600, Durability::kVolatile); !w) {
    undo();
    return fail(std::move(w.error()));
  }
  std::string bridges;
  for (const auto& n : networks) bridges += n.bridge + " ";
  args.push_back(bridges);
  auto ran = run_in_netns(state.holder_pid, setup_script(), args, input);
  if (!ran || !ran->succeeded()) {
    undo();
    if (!ran) return fail(std::move(ran.error()).context("nsenter netavark setup"));
    return fail(Error("netavark setup failed: " + last_error(*ran))
                    .with_hint("sandbox system check shows whether networks can work here"));
  }
  std::string target_ip = result.attachments.empty() ? "" : result.attachments[0].ip;
  auto forwarded = forward_ports(dir, state, starter, id, ports, std::move(tcp), target_ip, record);
  // The ids made so far are recorded even when one failed: detach removes them.
  SBX_TRY(write_file_atomic(file, record.dump(), 0600, Durability::kVolatile));
  SBX_TRY(std::move(forwarded));
  return result;
}

Status detach_container(const fs::path& dir, const std::string& id) {
  auto file = dir / "containers" / (id + ".json");
  if (!path_exists(file)) return {};
  auto lock = SBX_TRY(FileLock::acquire(dir / "lock", FileLock::Mode::kExclusive));
  auto text = read_file(file);
  if (!text) return {};  // detached meanwhile
  json record = json::parse(*text, nullptr, false);
  Status status;
  if (auto state = live_user_netns(dir); state && record.is_object()) {
    unforward_ports(dir, *state, id, record);
    status = teardown_networks(dir, state->holder_pid, id, record);
  }
  if (record.is_object()) release_addresses(dir, record);
  ::unlink(file.c_str());
  std::error_code ec;
  if (fs::is_empty(dir / "containers", ec) || ec) stop_user_netns(dir);
  return status;
}

std::vector<AttachedContainer> attached_containers(const fs::path& dir,
                                                   const std::string& network) {
  std::vector<AttachedContainer> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "containers", ec)) {
    json record = json::parse(read_file(entry.path()).value_or(""), nullptr, false);
    if (!record.is_object()) continue;
    auto nets = record.find("networks");
    if (nets == record.end() || !nets->contains(network)) continue;
    const json& ips = (*nets)[network]["static_ips"];
    std::string ip = ips.is_array() && !ips.empty() ? ips[0].get<std::string>() : "";
    std::string ip6 = ips.is_array() && ips.size() > 1 ? ips[1].get<std::string>() : "";
    out.push_back({entry.path().stem().string(), record.value("name", ""), ip, ip6});
  }
  return out;
}

}  // namespace sbx::net
