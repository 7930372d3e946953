// What the escape-probe files share: the outcome of an attempt, the tests every probe uses to
// tell "inside" from "outside", and each file's table of probes (cmd_escape.cpp joins them).
#pragma once

#include <sys/stat.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sbx::payload::escape {

// contained: it ran (or reached the kernel) and got nothing outside the container.
// blocked: the sandbox stopped it first (the seccomp filter, a capability the container lacks).
// skipped: it could not be tried here. escaped: it reached the host.
struct Outcome {
  enum Kind { kContained, kBlocked, kSkipped, kEscaped } kind;
  std::string detail;
};

Outcome contained(std::string detail = {});
Outcome blocked(int errno_value);
Outcome skipped(std::string why);
Outcome escaped(std::string what);

bool same_inode(const struct stat& a, const struct stat& b);
bool stat_root(struct stat* root);
// The numeric entries of /proc.
std::vector<std::string> visible_pids();
// Climbs ".." from a directory fd until it stops moving; true when the top is our root.
bool climbs_to_root(int dir_fd, const struct stat& root);

// A probe gets a scratch directory inside the container ("" when none is writable).
struct EscapeProbe {
  std::string_view name;
  Outcome (*run)(const std::string& scratch);
};

std::span<const EscapeProbe> kernel_probes();  // escape_kernel.cpp
std::span<const EscapeProbe> host_probes();    // escape_host.cpp

}  // namespace sbx::payload::escape
