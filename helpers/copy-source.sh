#!/bin/bash
# Copies this checkout's source to DEST: the files git knows, committed or not (not build
# output, not ignored files), plus .git-commit with the commit they came from, which
# cmake/build_info.cmake reads where there is no .git. Used by helpers/build-deb.sh and
# tests/package/check.sh.
#   copy-source.sh DEST
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${1:?usage: copy-source.sh DEST}
mkdir -p "$DEST"
cd "$REPO"
if git rev-parse --git-dir >/dev/null 2>&1; then
  # Tracked and untracked-but-not-ignored files that exist (a deleted file is not copied).
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [[ -e $file || -L $file ]] && printf '%s\0' "$file"; done |
    tar --null --no-recursion -T - -cf - | tar -xf - -C "$DEST"
  commit=$(git rev-parse --short=12 HEAD)
  [[ -z $(git status --porcelain --untracked-files=no) ]] || commit+="-dirty"
  echo "$commit" >"$DEST/.git-commit"
else
  # A copy without .git (a tarball, or one made by this script) carries .git-commit along.
  tar --exclude=./build --exclude='./build-*' --exclude=./obj-\* -cf - . | tar -xf - -C "$DEST"
fi
