#!/bin/bash
# The shell completions (packaging/completions/), driven in real bash, zsh and fish as the
# calling (unprivileged) user: commands, options, and the names of a running container and of
# an image read from the store. Run by ctest (label integration) against the build tree, and
# by tests/package/check-installed.sh against the installed package.
#   completion.sh SANDBOX_BINARY [IMAGE] [--installed]
# IMAGE defaults to the test rig's busybox. --installed: the shells find the completion files
# where the package puts them, as they do for a user; otherwise they are read from the source.
# Exits 77 (skipped) when there is no image to pull or a shell is missing.
set -uo pipefail

SANDBOX=$(realpath "${1:?usage: completion.sh SANDBOX_BINARY [IMAGE] [--installed]}")
IMAGE=${2:-}
INSTALLED=0
[[ ${3:-} == --installed ]] && INSTALLED=1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_COMPLETIONS=$HERE/../../packaging/completions
if [[ -z $IMAGE ]]; then
  [[ -r /var/tmp/sandbox-rig/rig.env ]] || { echo "skip: no test rig (rig.env)"; exit 77; }
  # shellcheck disable=SC1091  # written by tests/rig/start.sh
  source /var/tmp/sandbox-rig/rig.env
  IMAGE=$REGISTRY/test/busybox:latest
fi
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null || { echo "skip: $shell is not installed"; exit 77; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-completion-XXXXXX")
ROOT=$WORK/store
NAME=completion-$$
cleanup() {
  "$SANDBOX" --root "$ROOT" rm -f "$NAME" >/dev/null 2>&1
  "$SANDBOX" --root "$ROOT" system reset -f >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# The completions are registered for the command name `sandbox`.
mkdir -p "$WORK/bin"
ln -s "$SANDBOX" "$WORK/bin/sandbox"
export PATH=$WORK/bin:$PATH

"$SANDBOX" --root "$ROOT" pull -q "$IMAGE" >/dev/null || { echo "not ok - pull $IMAGE"; exit 1; }
"$SANDBOX" --root "$ROOT" run -d --network none --name "$NAME" "$IMAGE" sleep 300 >/dev/null ||
  { echo "not ok - run -d $IMAGE"; exit 1; }

failures=0
expect() {  # expect DESCRIPTION WANTED OUTPUT: WANTED must be one of OUTPUT's lines
  if grep -qxF -- "$2" <<<"$3"; then
    echo "ok - $1"
  else
    echo "not ok - $1: wanted '$2' in:"
    sed 's/^/    /' <<<"$3"
    failures=$((failures + 1))
  fi
}

# bash: an interactive shell with bash-completion when it is installed, as a user has it. A
# completion is readline's: COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read.
bash_rc=$WORK/bashrc
{
  [[ -r /usr/share/bash-completion/bash_completion ]] &&
    echo "source /usr/share/bash-completion/bash_completion"
  if ((INSTALLED)); then
    echo "_completion_loader sandbox"  # bash-completion's own lookup by command name
  else
    echo "source '$SOURCE_COMPLETIONS/sandbox.bash'"
  fi
} >"$bash_rc"
bash_complete() {  # bash_complete LINE: the candidates for its last word, one per line
  # shellcheck disable=SC2016  # expanded by the interactive bash
  bash --rcfile "$bash_rc" -i -c '
    read -ra COMP_WORDS <<<"$1"
    [[ $1 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$1 COMP_POINT=${#1}
    _sandbox
    printf "%s\n" "${COMPREPLY[@]}"' _ "$1" 2>/dev/null
}
expect "bash: complete -p sandbox" "complete -F _sandbox sandbox" \
  "$(bash --rcfile "$bash_rc" -i -c 'complete -p sandbox' 2>/dev/null)"
expect "bash: sandbox rm <TAB> lists the running container" "$NAME" \
  "$(bash_complete "sandbox --root $ROOT rm ")"
expect "bash: sandbox ru<TAB> is run" "run" "$(bash_complete "sandbox ru")"
expect "bash: sandbox run --rm<TAB>" "--rm" "$(bash_complete "sandbox run --rm")"
expect "bash: sandbox system <TAB> lists check" "check" "$(bash_complete "sandbox system ")"
expect "bash: sandbox rmi <TAB> lists the image" "$IMAGE" \
  "$(bash_complete "sandbox --root=$ROOT rmi ")"

# zsh: the completion function with zsh's own _describe and _files replaced by printers (the
# completion system only runs inside a widget), for the same lines.
zsh_complete() {  # zsh_complete WORD...: the last WORD is completed
  local fpath_dir=$SOURCE_COMPLETIONS
  ((INSTALLED)) && fpath_dir=/usr/share/zsh/vendor-completions
  # shellcheck disable=SC2016  # expanded by zsh
  zsh -f -c '
    fpath=("$1" $fpath); shift
    autoload -Uz _sandbox
    _describe() { print -rl -- "${(@P)${@[-1]}}" }
    _files() { print -r -- "<files>" }
    words=("$@"); CURRENT=$#
    _sandbox' _ "$fpath_dir" "$@" 2>&1 | sed -e 's/\\:/\x1f/g' -e 's/:.*//' -e 's/\x1f/:/g'
}
expect "zsh: sandbox rm <TAB> lists the running container" "$NAME" \
  "$(zsh_complete sandbox --root "$ROOT" rm "")"
expect "zsh: sandbox run <TAB> lists the image" "$IMAGE" \
  "$(zsh_complete sandbox --root "$ROOT" run "")"
expect "zsh: sandbox import <TAB> completes files" "<files>" "$(zsh_complete sandbox import "")"

# fish: `complete -C` is fish's own completion of a command line.
fish_complete() {
  if ((INSTALLED)); then  # fish finds vendor_completions.d by itself (not with --no-config)
    fish -c "complete -C '$1'" 2>&1 | cut -f1
  else
    fish --no-config -c "source '$SOURCE_COMPLETIONS/sandbox.fish'; complete -C '$1'" 2>&1 |
      cut -f1
  fi
}
expect "fish: sandbox rm <TAB> lists the running container" "$NAME" \
  "$(fish_complete "sandbox --root $ROOT rm ")"
expect "fish: sandbox stop --t<TAB>" "--time" "$(fish_complete "sandbox stop --t")"

exit $((failures > 0))
