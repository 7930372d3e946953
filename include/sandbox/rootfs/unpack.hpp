// Layer tarballs (gzip, zstd or plain) unpacked into a directory with their
// ownership, modes, times and xattrs, confined to that directory, with the
// image's whiteouts translated into the form the storage driver understands.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/lazy_library.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::rootfs {

// ISA-L, which inflates gzip layers 3-4x faster than zlib when it loads.
OptionalLibrary isal_library();

enum class WhiteoutForm {
  // Kernel overlay / fuse-overlayfs form: ".wh.NAME" becomes a char device 0/0
  // named NAME, ".wh..wh..opq" the xattr user.overlay.opaque="y" on its dir
  // (plus trusted.overlay.opaque where permitted).
  kOverlay,
  // Flattened (vfs) form: whiteouts delete in dest_dir, so layers unpacked one
  // after another into the same dir make the final root filesystem.
  kApply,
  // None: ".wh." names are ordinary files (`cp` of a user's tar, as docker).
  kLiteral,
};

struct UnpackOptions {
  WhiteoutForm whiteouts = WhiteoutForm::kOverlay;
  // Names the layer in errors, e.g. "sha256:abc..."; empty: the blob path.
  std::string layer_name;
  // Tests only: run as a plain user, where lchown to image ids fails.
  bool ignore_ownership = false;
  // Every entry gets this owner instead of the archive's (`cp` without -a).
  std::optional<std::pair<uid_t, gid_t>> owner;
  // Entry names (and hardlink targets) under `rebase->first` are renamed to
  // `rebase->second` ("" drops that top dir: its contents land in dest_dir);
  // other names are an error (`cp` names its top entry after the destination).
  std::optional<std::pair<std::string, std::string>> rebase;
  // A directory never replaces an existing non-directory nor the reverse: an
  // error instead, as docker cp has it (a layer replaces them).
  bool keep_existing_types = false;
};

// Unpacks `blob` into `dest_dir` (an existing, normally empty dir). Meant to run
// as root of a user namespace (userns::run_in_user_namespace) so that image
// ownership lands on the mapped subordinate ids. Every path is resolved beneath
// dest_dir with openat2(RESOLVE_IN_ROOT); `..` escapes, hardlinks to outside the
// layer and similar are errors naming the entry. Device nodes that cannot be
// created are skipped with a warning. On error dest_dir holds a partial layer:
// unpack into a temp dir and rename it into place only on success.
Status unpack_layer(const std::filesystem::path& blob, const std::filesystem::path& dest_dir,
                    const UnpackOptions& options, std::vector<std::string>& warnings);

struct LayerIdScan {
  uint64_t entries = 0;
  uint64_t content_bytes = 0;  // sum of regular file sizes the headers claim
  uint32_t max_uid = 0;
  uint32_t max_gid = 0;
  // With `want_diff_id`: the sha256 of the whole uncompressed stream, taken in
  // the same pass; nullopt when this blob's stream could not be hashed on the
  // way (only gzip with libisal is): hash it separately then.
  std::optional<image::Digest> diff_id;
};

// A read-only pass over `blob` (nothing written) that fails on the first entry
// whose uid or gid `maps` cannot map (inside ids), naming the file and the id:
// "layer sha256:..: usr/bin/x is owned by uid 200000, but only uids 0-65535 can
// be mapped". Also fails on a corrupt or truncated archive. `layer_name` as in
// UnpackOptions.
Result<LayerIdScan> scan_layer_ids(const std::filesystem::path& blob, const userns::IdMaps& maps,
                                   std::string_view layer_name = {}, bool want_diff_id = false);

// Fails with ENOSPC, named, when `needed` bytes (e.g. the sum of
// LayerIdScan::content_bytes) plus a margin do not fit in the file system
// holding `dir`: "layer sha256:.. needs 1.1 TB but /x has only 80 GB free"
// ("unpacking the layers needs ..." without a layer name).
Status check_free_space(const std::filesystem::path& dir, uint64_t needed,
                        std::string_view layer_name = {});

}  // namespace sbx::rootfs
