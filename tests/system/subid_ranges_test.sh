#!/bin/bash
# helpers/subid-ranges.sh, which setup-test-host.sh and tests/package/ use to pick subordinate
# ids, against /etc/subuid and /etc/subgid contents a machine may have (ctest label unit).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=helpers/subid-ranges.sh
source "$HERE/../../helpers/subid-ranges.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-subid-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export SBX_SUBID_FILES="$WORK/subuid $WORK/subgid"

failures=0
given() {  # given SUBUID SUBGID: the two files' contents
  printf '%s' "$1" >"$WORK/subuid"
  printf '%s' "$2" >"$WORK/subgid"
}
expect() {  # expect DESCRIPTION WANTED GOT
  if [[ $2 == "$3" ]]; then
    echo "ok - $1"
  else
    echo "not ok - $1: wanted '$2', got '$3'"
    failures=$((failures + 1))
  fi
}
free() { subid_range_is_free "$@" && echo free || echo taken; }

given "" ""
expect "no ranges yet: Debian's first one" 100000 "$(free_subid_start)"
expect "as usermod's START-END" 100000-165535 "$(free_subid_range)"
rm -f "$WORK/subuid" "$WORK/subgid"
expect "no files at all" 100000 "$(free_subid_start)"

# What Debian 12's useradd gives the first two regular users.
debian=$'alice:100000:65536\nbob:165536:65536\n'
given "$debian" "$debian"
expect "after Debian's two users" 231072 "$(free_subid_start)"
expect "100000-165535 is alice's" taken "$(free 100000 65536 sbxtest)"
expect "200000-265535 overlaps bob's" taken "$(free 200000 65536 sbxtest)"
expect "a range ending where alice's starts" free "$(free 34464 65536 sbxtest)"
expect "a user's own range does not count against it" free "$(free 100000 65536 alice)"
expect "231072-296607 is free" free "$(free 231072 65536 sbxtest)"

given "$debian"$'sbxtest:231072:65536\n' "$debian"$'sbxtest:231072:65536\n'
expect "a user's own range is skipped when choosing for it" 231072 "$(free_subid_start sbxtest)"
expect "but not for anyone else" 296608 "$(free_subid_start)"

given $'alice:100000:65536\n' $'# a comment\n\ncarol:500000:1000\nbroken line\n'
expect "subgid counts too; comments and broken lines do not" 501000 "$(free_subid_start)"
expect "a range in subgid only is taken" taken "$(free 500500 10 sbxtest)"

exit $((failures > 0))
