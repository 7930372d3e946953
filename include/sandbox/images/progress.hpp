// What long image operations (pull, push, import, load, commit) report as they go.
#pragma once

#include <cstdint>
#include <string_view>

#include "sandbox/image/digest.hpp"
#include "sandbox/image/reference.hpp"

namespace sbx::images {

// What happens to one blob (short digest as docker shows it).
enum class BlobEvent {
  kWaiting,      // queued for download
  kExists,       // layer already unpacked in the store
  kDownloading,  // bytes arriving (done/total)
  kDownloaded,   // verified and stored
  kVerifying,    // checking the diff id
  kExtracting,   // being unpacked
  kComplete,     // unpacked and recorded
  // push
  kCompressing,   // a stored layer being recompressed (push --compression-format)
  kCompressed,    // recompressed: it goes up under its new digest
  kPreparing,     // queued for upload
  kRemoteExists,  // the registry has it already (HEAD)
  kMounted,       // linked from another repository of the registry
  kPushing,       // bytes leaving (done/total)
  kPushed,        // the registry has it now
};

// Receives progress. Methods may be called from several download threads at
// once: implementations synchronize themselves.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // The manifest was found: `digest` is what `name@digest` pins.
  virtual void resolved(const image::Reference& /*reference*/, const image::Digest& /*digest*/) {}
  virtual void blob(const image::Digest& /*digest*/, BlobEvent /*event*/, uint64_t /*done*/,
                    uint64_t /*total*/) {}
  // Skipped device nodes, a single-id map, a platform mismatch...
  virtual void warning(std::string_view /*text*/) {}
};

// A sink that ignores everything.
class NullProgress : public ProgressSink {};

}  // namespace sbx::images
