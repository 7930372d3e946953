#!/bin/bash
# Builds the Debian package of this checkout with Debian's tools (dpkg-buildpackage and
# debhelper, packaging/debian/): a Release build, stripped, with a -dbgsym package. The source
# is a copy of the files git knows (committed or not) with packaging/debian as debian/, so
# the checkout itself gets no debian/ and no build files. Needs the packages of
# `helpers/install-deps.sh --build`; runs as any user (no root: Rules-Requires-Root: no).
#   build-deb.sh [OUT_DIR]    default: build/deb; the .deb files land there
# Prints the path of the sandbox .deb last.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${1:-$REPO/build/deb}")
SRC=$OUT/src
say() { printf '==> %s\n' "$*" >&2; }

version=$(sed -n 's/^project(sandbox VERSION \([0-9.]*\).*/\1/p' "$REPO/CMakeLists.txt")
changelog_version=$(dpkg-parsechangelog -l "$REPO/packaging/debian/changelog" -S Version)
if [[ $changelog_version != "$version" ]]; then
  echo "build-deb: packaging/debian/changelog is at $changelog_version, CMakeLists.txt at" \
    "$version: add a changelog entry (dch -v $version)" >&2
  exit 1
fi

say "copying the source to $SRC"
rm -rf "$OUT"
mkdir -p "$SRC"
bash "$REPO/helpers/copy-source.sh" "$SRC"
rm -rf "$SRC/debian"
cp -a "$REPO/packaging/debian" "$SRC/debian"

say "dpkg-buildpackage (Release, $(nproc) jobs)"
(cd "$SRC" && dpkg-buildpackage --build=binary --no-sign -J"$(nproc)")
deb=$(ls "$OUT"/sandbox_"$version"_*.deb)
built=("$OUT"/*.deb)
say "built ${built[*]##*/}"
echo "$deb"
