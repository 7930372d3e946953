// What the user asked for on `sandbox run`, as typed. make_container_spec
// validates it and merges it with the image's config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup/limits.hpp"
#include "sandbox/containers/health.hpp"

namespace sbx::containers {

struct RunFlags {
  std::string image;
  std::vector<std::string> command;  // COMMAND [ARG...] after IMAGE
  // KEY=VALUE (or KEY: from the host) in order: --env-file entries first,
  // then -e; run_container expands them (see expand_env).
  std::vector<std::string> env;
  std::vector<std::string> env_files;     // --env-file paths
  bool http_proxy = true;                 // --http-proxy: pass our *_proxy variables on
  std::optional<std::string> workdir;     // -w
  std::optional<std::string> user;        // -u USER[:GROUP], names or ids
  std::optional<std::string> entrypoint;  // --entrypoint ("" clears the image's)
  std::optional<std::string> hostname;    // --hostname
  std::string name;                       // --name
  bool rm = false;
  bool detach = false;               // -d: run under a monitor, print the id
  bool interactive = false;          // -i: keep stdin
  bool tty = false;                  // -t: a pty
  std::vector<std::string> volumes;  // -v HOST:CTR[:OPTS]
  std::vector<std::string> mounts;   // --mount type=bind|tmpfs,...
  std::vector<std::string> tmpfs;    // --tmpfs PATH[:OPTS]
  bool read_only = false;            // --read-only rootfs
  std::vector<std::string> cap_add;  // names, "ALL"
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opts;  // seccomp=..., no-new-privileges[=bool], ...
  std::vector<std::string> ulimits;        // NAME=SOFT[:HARD]
  bool privileged = false;
  std::string network;  // "" (slirp4netns), none, host, slirp4netns[:OPTIONS], NAME
  std::vector<std::string> more_networks;    // a repeated --network NAME
  std::vector<std::string> network_aliases;  // --network-alias, on every user network
  std::string ip;                            // --ip on the (one) user network
  std::string ip6;                           // --ip6 on the (one) user network
  std::string userns;                        // "", keep-id
  std::string pid;                           // --pid: "" (its own), host, container:NAME
  std::string ipc;   // --ipc: "" (shareable), private, shareable, none, host, container:NAME
  bool init = true;  // PID 1 is sandbox's init in every container (--init is a no-op)
  cgroup::LimitFlags limits;  // --memory, --cpus, ... --cgroup-manager, --limits

  // -p [HOSTIP:][HOSTPORT:]CTRPORT[/PROTO], --dns IP, --add-host NAME:IP
  std::vector<std::string> publish;
  std::vector<std::string> expose;  // --expose PORT[-PORT][/PROTO], added to the image's
  bool publish_all = false;         // -P: every exposed port on a free host port
  std::vector<std::string> dns;
  std::vector<std::string> add_hosts;

  std::vector<std::string> labels;       // --label KEY[=VALUE]
  std::string stop_signal;               // --stop-signal (else the image's, else SIGTERM)
  std::optional<int> stop_timeout;       // --stop-timeout SECONDS (stop's default without -t)
  std::string pull = "missing";          // --pull always|missing|never|newer
  std::string platform;                  // --platform OS/ARCH[/VARIANT] ("" = the host's)
  std::string log_driver;                // --log-driver k8s-file|json-file|none|passthrough
  std::vector<std::string> log_opts;     // --log-opt path=FILE
  std::string shm_size;                  // --shm-size SIZE of /dev/shm
  std::vector<std::string> sysctls;      // --sysctl KEY=VALUE, namespaced ones only
  std::vector<std::string> dns_search;   // --dns-search DOMAIN ("." for none)
  std::vector<std::string> dns_options;  // --dns-option OPTION
  std::string restart;                   // --restart no|on-failure[:N]|always|unless-stopped
  HealthFlags health;                    // --health-*, --no-healthcheck
  std::vector<std::string> group_add;    // --group-add GROUP|GID|keep-groups
  std::vector<std::string> devices;      // --device HOST[:CONTAINER][:PERMS]
  std::string timezone;                  // --tz ZONE|local
};

}  // namespace sbx::containers
