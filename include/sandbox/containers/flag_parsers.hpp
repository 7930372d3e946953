// Parsers for the run flags whose values have a grammar of their own. Pure:
// each returns a value or an error that quotes the input and says what is wrong.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {

// -v HOST:CTR[:OPTS] (HOST absolute), -v NAME:CTR[:OPTS] (a named volume) or
// -v CTR (an anonymous volume). OPTS: ro, rw, U, nocopy, nosuid, ..., z/Z ignored.
Result<MountRequest> parse_volume(std::string_view text);
// --mount type=bind|volume|tmpfs,source=...,target=...,readonly,tmpfs-size=...,tmpfs-mode=...
Result<MountRequest> parse_mount(std::string_view text);
// --tmpfs PATH[:OPTS]; docker's default options rw,noexec,nosuid,nodev.
Result<MountRequest> parse_tmpfs(std::string_view text);
// --ulimit and --security-opt: security::parse_ulimit, security::apply_security_opt.

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// -e entries: KEY=VALUE is kept; KEY alone takes the value from `lookup` and
// is dropped when unset (as docker does).
Result<std::vector<std::string>> expand_env(const std::vector<std::string>& entries,
                                            const EnvLookup& lookup);
// An --env-file: KEY=VALUE or KEY lines; blank lines and '#' comments skipped.
Result<std::vector<std::string>> parse_env_file(std::string_view text);

}  // namespace sbx::containers
