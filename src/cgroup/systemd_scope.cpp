// A transient scope on the user's systemd manager, the way `systemd-run
// --user --scope -p Delegate=yes` makes one: the manager moves the pids in
// (asking the system manager when they sit outside its tree), and the scope's
// cgroup is then ours to subdivide.
#include "systemd_scope.hpp"

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "sandbox/base/files.hpp"

namespace sbx::cgroup::detail {
namespace {

constexpr uint64_t kJobTimeoutUsec = 30ULL * 1000 * 1000;

struct BusUnref {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
using Bus = std::unique_ptr<sd_bus, BusUnref>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;
using Slot = std::unique_ptr<sd_bus_slot, SlotUnref>;

// Finished jobs seen so far: the signal can arrive before the reply is read.
struct Jobs {
  std::map<std::string, std::string> removed;  // job path -> result
  std::string ours;
};

std::string runtime_dir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  return xdg && *xdg ? xdg : "";
}

Error bus_error(const char* what, int r, const sd_bus_error* e = nullptr) {
  std::string text = std::string(what) + ": ";
  text += e && sd_bus_error_is_set(e) && e->message ? e->message : std::strerror(-r);
  return Error(text, -r);
}

Result<Bus> connect(const std::string& address) {
  sd_bus* raw = nullptr;
  int r = sd_bus_new(&raw);
  if (r < 0) return fail(bus_error("sd_bus_new", r));
  Bus bus(raw);
  if ((r = sd_bus_set_address(bus.get(), address.c_str())) < 0)
    return fail(bus_error("sd_bus_set_address", r));
  // The bus daemon wants Hello; systemd's private socket is peer to peer.
  if (address.find("/systemd/private") == std::string::npos) sd_bus_set_bus_client(bus.get(), 1);
  if ((r = sd_bus_start(bus.get())) < 0)
    return fail(bus_error(("connect to " + address).c_str(), r));
  return bus;
}

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* jobs = static_cast<Jobs*>(userdata);
  uint32_t id = 0;
  const char *path = nullptr, *unit = nullptr, *result = nullptr;
  if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
  jobs->removed[path] = result;
  return 0;
}

Result<Message> make_start_call(sd_bus* bus, const std::string& unit,
                                const std::vector<pid_t>& pids) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus, &raw, "org.freedesktop.systemd1",
                                         "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r < 0) return fail(bus_error("new StartTransientUnit call", r));
  Message m(raw);
  r = sd_bus_message_append(m.get(), "ss", unit.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'a', "(sv)");
  if (r >= 0)
    r = sd_bus_message_append(m.get(), "(sv)(sv)(sv)", "Description", "s", "sandbox container",
                              "Delegate", "b", 1, "CollectMode", "s", "inactive-or-failed");
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'r', "sv");
  if (r >= 0) r = sd_bus_message_append(m.get(), "s", "PIDs");
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'v', "au");
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'a', "u");
  for (pid_t pid : pids)
    if (r >= 0) r = sd_bus_message_append(m.get(), "u", static_cast<uint32_t>(pid));
  for (int i = 0; i < 4 && r >= 0; ++i) r = sd_bus_message_close_container(m.get());
  if (r >= 0) r = sd_bus_message_append(m.get(), "a(sa(sv))", 0);
  if (r < 0) return fail(bus_error("build StartTransientUnit call", r));
  return m;
}

Status wait_for_job(sd_bus* bus, Jobs& jobs) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kJobTimeoutUsec);
  while (!jobs.removed.contains(jobs.ours)) {
    int r = sd_bus_process(bus, nullptr);
    if (r < 0) return fail(bus_error("read from systemd", r));
    if (r > 0) continue;
    if (std::chrono::steady_clock::now() > deadline)
      return fail("systemd did not finish the job in 30 s");
    if ((r = sd_bus_wait(bus, kJobTimeoutUsec)) < 0) return fail(bus_error("wait for systemd", r));
  }
  return {};
}

}  // namespace

std::string user_manager_address() {
  std::string dir = runtime_dir();
  if (!dir.empty() && path_exists(dir + "/systemd/private"))
    return "unix:path=" + dir + "/systemd/private";
  if (const char* env = std::getenv("DBUS_SESSION_BUS_ADDRESS"); env && *env) return env;
  if (!dir.empty() && path_exists(dir + "/bus")) return "unix:path=" + dir + "/bus";
  return {};
}

Status start_transient_scope(const std::string& unit, const std::vector<pid_t>& pids) {
  std::string address = user_manager_address();
  if (address.empty()) return fail("no systemd user manager ($XDG_RUNTIME_DIR/systemd/private)");
  auto bus = SBX_TRY(connect(address));
  Jobs jobs;
  sd_bus_slot* raw_slot = nullptr;
  int r =
      sd_bus_match_signal(bus.get(), &raw_slot, nullptr, "/org/freedesktop/systemd1",
                          "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &jobs);
  if (r < 0) return fail(bus_error("watch JobRemoved", r));
  Slot slot(raw_slot);
  auto call = SBX_TRY(make_start_call(bus.get(), unit, pids));
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* raw_reply = nullptr;
  r = sd_bus_call(bus.get(), call.get(), kJobTimeoutUsec, &error, &raw_reply);
  Message reply(raw_reply);
  if (r < 0) {
    Error e = bus_error(("StartTransientUnit " + unit).c_str(), r, &error);
    sd_bus_error_free(&error);
    return fail(std::move(e));
  }
  const char* job = nullptr;
  if ((r = sd_bus_message_read(reply.get(), "o", &job)) < 0)
    return fail(bus_error("read StartTransientUnit reply", r));
  jobs.ours = job;
  SBX_TRY_CTX(wait_for_job(bus.get(), jobs), "start " + unit);
  if (const auto& result = jobs.removed[jobs.ours]; result != "done")
    return fail("start " + unit + ": systemd job " + result);
  return {};
}

}  // namespace sbx::cgroup::detail
