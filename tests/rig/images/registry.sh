# shellcheck shell=bash
# Registry side of build.sh (sourced): presence checks, pushes, and the storage-level
# corruption of test/corrupt. All registries are plain HTTP on 127.0.0.1.

# creds_args CREDS: skopeo's credential flag for "user:password", nothing for "".
creds_args() { [[ -z $2 ]] || echo "--$1=$2"; }

# registry_has REF [CREDS]
registry_has() {
  local args
  args=$(creds_args creds "${2:-}")
  # shellcheck disable=SC2086  # args is one word or none
  skopeo inspect --raw --tls-verify=false $args "docker://$1" >/dev/null 2>&1
}

# push SOURCE REF [CREDS] [SKOPEO_ARGS...]: SOURCE is a skopeo transport reference
# (oci:DIR:TAG, dir:DIR). Blobs go verbatim (--preserve-digests: what we wrote is served)
# unless SKOPEO_ARGS convert (--format), which skopeo cannot do while preserving digests.
push() {
  local source=$1 ref=$2 creds=${3:-} args preserve=--preserve-digests
  shift 3 || shift $#
  args=$(creds_args dest-creds "$creds")
  [[ " $* " == *" --format "* ]] && preserve=
  # shellcheck disable=SC2086
  skopeo copy -q --retry-times 2 --dest-tls-verify=false $preserve $args "$@" \
    "$source" "docker://$ref" || die "skopeo copy $source docker://$ref failed"
}

# push_recompressed OCI_SOURCE REF zstd|plain: skopeo only recompresses into a dir: target, so
# go through one and push that verbatim (a docker:// target would gzip again).
push_recompressed() {
  local source=$1 ref=$2 how=$3 dir
  dir=$(mktemp -d "$BUILD/recompress.XXXXXX")
  rmdir "$dir"
  case $how in
    zstd) skopeo copy -q --dest-compress --dest-compress-format zstd "$source" "dir:$dir" ;;
    plain) skopeo copy -q --dest-decompress "$source" "dir:$dir" ;;
  esac || die "skopeo copy $source dir:$dir ($how) failed"
  push "dir:$dir" "$ref" ""
}

# blob_data_path DIGEST: the registry's file holding the blob (filesystem driver layout).
blob_data_path() {
  local hex=${1#sha256:}
  echo "$REGISTRY_STORAGE/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# corrupt_in_storage DIGEST BAD_BLOB: overwrite the stored blob with same-length other bytes,
# so the registry serves data that does not match the digest it advertises.
corrupt_in_storage() {
  local data
  data=$(blob_data_path "$1")
  [[ -f $data ]] || die "blob $1 not found at $data (REGISTRY_STORAGE=$REGISTRY_STORAGE)"
  [[ $(stat -c %s "$data") == $(stat -c %s "$2") ]] || die "corrupt twin of $1 differs in size"
  cat "$2" >"$data"
}

# is_corrupted DIGEST: the stored bytes no longer hash to DIGEST.
is_corrupted() {
  local data
  data=$(blob_data_path "$1")
  [[ -f $data ]] && [[ sha256:$(sha256sum <"$data" | cut -c1-64) != "$1" ]]
}

# top_layer_digest REF: the digest of the last layer in REF's manifest.
top_layer_digest() {
  skopeo inspect --raw --tls-verify=false "docker://$1" |
    "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["layers"][-1]["digest"])'
}
