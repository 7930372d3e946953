// Pull progress for people: a redrawn per-layer display on a terminal, one
// line per step otherwise, nothing (but warnings) with -q.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sandbox/images/progress.hpp"

namespace sbx::cli {

enum class ProgressStyle { kTerminal, kLines, kQuiet };

// kTerminal when stdout is a terminal (and TERM is not "dumb"), else kLines.
ProgressStyle progress_style_for_stdout(bool quiet);

class PullProgress : public images::ProgressSink {
 public:
  PullProgress(ProgressStyle style, std::FILE* out, std::FILE* err)
      : style_(style), out_(out), err_(err) {}
  void resolved(const image::Reference& reference, const image::Digest& digest) override;
  void blob(const image::Digest& digest, images::BlobEvent event, uint64_t done,
            uint64_t total) override;
  void warning(std::string_view text) override;
  // Draws the final state (terminal) before the summary lines.
  void finish();

 private:
  struct Entry {
    image::Digest digest;
    images::BlobEvent event = images::BlobEvent::kWaiting;
    uint64_t done = 0;
    uint64_t total = 0;
    std::chrono::steady_clock::time_point started;
    bool started_set = false;
  };
  Entry& entry_for(const image::Digest& digest);
  std::string describe(const Entry& entry) const;
  void redraw(bool force);

  ProgressStyle style_;
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mutex_;
  std::vector<Entry> entries_;
  size_t lines_drawn_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

// The text of a blob event ("Downloading", "Pull complete", ...).
std::string_view event_text(images::BlobEvent event);
// "1.2MB/3.4MB" and the rate "(2.1 MB/s)" when known.
std::string transfer_text(uint64_t done, uint64_t total, double seconds);

}  // namespace sbx::cli
