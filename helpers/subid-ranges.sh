#!/bin/bash
# Subordinate id ranges that overlap no line of /etc/subuid and /etc/subgid (sourced by
# helpers/setup-test-host.sh and tests/package/lib.sh). Two users whose ranges overlap share
# host ids: each could then read and signal the other's container processes and files.
#   free_subid_start [USER...]   the first id after every range except USER's own (at least
#                                100000), as `sandbox system check` suggests one
#   subid_range_is_free START COUNT USER   whether START..START+COUNT-1 overlaps no range
#                                of another user
#   free_subid_range             "START-END" of a free 65536-id range, for usermod
# SBX_SUBID_FILES (default "/etc/subuid /etc/subgid") names the files read
# (tests/system/subid_ranges_test.sh).

_subid_lines() {
  local files
  read -ra files <<<"${SBX_SUBID_FILES:-/etc/subuid /etc/subgid}"
  cat "${files[@]}" 2>/dev/null || true
}

# shellcheck disable=SC2120  # the users are optional
free_subid_start() {
  _subid_lines | awk -F: -v skip="$*" '
    BEGIN { n = split(skip, names, " "); for (i = 1; i <= n; i++) ignored[names[i]] = 1
            start = 100000 }
    /^[[:space:]]*(#|$)/ || NF < 3 || ($1 in ignored) { next }
    $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $2 + $3 > start { start = $2 + $3 }
    END { print start }'
}

subid_range_is_free() {
  _subid_lines | awk -F: -v start="$1" -v count="$2" -v user="$3" '
    /^[[:space:]]*(#|$)/ || NF < 3 || $1 == user { next }
    $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $2 < start + count && start < $2 + $3 { overlap = 1 }
    END { exit overlap }'
}

free_subid_range() {
  local start
  start=$(free_subid_start)
  echo "$start-$((start + 65535))"
}
