// The image side of `commit` (and later of `build`): a layer tar on top of an
// image becomes a new image in the store.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/formats.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

struct NewLayer {
  std::filesystem::path tar;  // uncompressed, image whiteouts
  CommitInfo info;            // its history entry
  std::vector<ConfigChange> changes;
};

// Stores `layer.tar` as a blob, unpacks it like a pulled layer (unless that
// layer is already there) and records a new image: `parent` with the layer on
// top and the config changed as `layer` says, named `name` (canonical; empty:
// dangling). Returns the new image's id. The caller holds the store's shared
// gc lock. Single-threaded callers only (forks into the user namespace).
Result<image::Digest> add_layer_to_image(const store::Store& store,
                                         const store::ImageRecord& parent,
                                         const image::ImageConfig& parent_config,
                                         const NewLayer& layer, const std::string& name,
                                         ProgressSink& progress);

// A new image with `parent`'s layers and its config changed as `changes` say
// (`build`'s ENV, CMD, LABEL... steps): an "empty_layer" history entry.
Result<image::Digest> change_image_config(const store::Store& store,
                                          const store::ImageRecord& parent,
                                          const image::ImageConfig& parent_config,
                                          const CommitInfo& info,
                                          const std::vector<ConfigChange>& changes);

// An image with no layers and an empty config for `platform`: FROM scratch.
Result<store::ImageRecord> scratch_image(const store::Store& store,
                                         const image::Platform& platform = image::host_platform());

}  // namespace sbx::images
