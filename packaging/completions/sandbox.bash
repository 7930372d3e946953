# bash completion for sandbox(1). The candidates come from `sandbox __complete WORD...`, which
# reads the command line's own definitions and the store (container and image names), so this
# file never lists a command or an option itself. Sourced into interactive shells: no `set -e`.

_sandbox() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null; then
    # bash-completion keeps "--root=DIR" and "busybox:latest" as one word each.
    _get_comp_words_by_ref -n =: cur words cword
  else
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${words[cword]}
  fi
  local out status line
  out=$("${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null)
  status=$?
  COMPREPLY=()
  if ((status == 3)); then  # a file name is expected here
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif ((status == 0)); then
    while IFS= read -r line; do
      [[ -n $line ]] && COMPREPLY+=("${line%%$'\t'*}")  # drop the description
    done <<<"$out"
  fi
  if declare -F __ltrim_colon_completions >/dev/null; then
    __ltrim_colon_completions "$cur"
  fi
}
complete -F _sandbox sandbox
