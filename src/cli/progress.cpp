#include "progress.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "sandbox/base/strings.hpp"

namespace sbx::cli {

using images::BlobEvent;

ProgressStyle progress_style_for_stdout(bool quiet) {
  if (quiet) return ProgressStyle::kQuiet;
  const char* term = std::getenv("TERM");
  bool dumb = term && std::strcmp(term, "dumb") == 0;
  return ::isatty(STDOUT_FILENO) && !dumb ? ProgressStyle::kTerminal : ProgressStyle::kLines;
}

std::string_view event_text(BlobEvent event) {
  switch (event) {
    case BlobEvent::kWaiting:
      return "Waiting";
    case BlobEvent::kExists:
      return "Already exists";
    case BlobEvent::kDownloading:
      return "Downloading";
    case BlobEvent::kDownloaded:
      return "Download complete";
    case BlobEvent::kVerifying:
      return "Verifying Checksum";
    case BlobEvent::kExtracting:
      return "Extracting";
    case BlobEvent::kComplete:
      return "Pull complete";
    case BlobEvent::kCompressing:
      return "Compressing";
    case BlobEvent::kCompressed:
      return "Compressed";
    case BlobEvent::kPreparing:
      return "Preparing";
    case BlobEvent::kRemoteExists:
      return "Layer already exists";
    case BlobEvent::kMounted:
      return "Mounted from another repository";
    case BlobEvent::kPushing:
      return "Pushing";
    case BlobEvent::kPushed:
      return "Pushed";
  }
  return "";
}

std::string transfer_text(uint64_t done, uint64_t total, double seconds) {
  std::string text = human_size(static_cast<double>(done));
  if (total > 0) text += "/" + human_size(static_cast<double>(total));
  if (seconds > 0.2 && done > 0)
    text += " (" + human_size(static_cast<double>(done) / seconds) + "/s)";
  return text;
}

void PullProgress::resolved(const image::Reference& reference, const image::Digest& digest) {
  if (style_ == ProgressStyle::kQuiet) return;
  std::lock_guard lock(mutex_);
  std::string what = reference.tag.empty() ? digest.str() : reference.tag;
  std::fprintf(out_, "%s: Pulling from %s\n", what.c_str(), reference.path.c_str());
  std::fflush(out_);
}

PullProgress::Entry& PullProgress::entry_for(const image::Digest& digest) {
  for (Entry& entry : entries_)
    if (entry.digest == digest) return entry;
  entries_.push_back(Entry{digest});
  return entries_.back();
}

std::string PullProgress::describe(const Entry& entry) const {
  std::string line = entry.digest.short_hex() + ": " + std::string(event_text(entry.event));
  if (entry.event == BlobEvent::kDownloading || entry.event == BlobEvent::kPushing) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - entry.started).count();
    line += "  " + transfer_text(entry.done, entry.total, seconds);
  }
  return line;
}

void PullProgress::blob(const image::Digest& digest, BlobEvent event, uint64_t done,
                        uint64_t total) {
  if (style_ == ProgressStyle::kQuiet) return;
  std::lock_guard lock(mutex_);
  Entry& entry = entry_for(digest);
  bool changed = entry.event != event;
  if ((event == BlobEvent::kDownloading || event == BlobEvent::kPushing) && !entry.started_set) {
    entry.started = std::chrono::steady_clock::now();
    entry.started_set = true;
    changed = true;
  }
  entry.event = event;
  entry.done = done;
  entry.total = total;
  if (style_ == ProgressStyle::kLines) {
    if (changed) std::fprintf(out_, "%s\n", describe(entry).c_str());
    std::fflush(out_);
    return;
  }
  redraw(changed);
}

// Rewrites the block of layer lines in place (ANSI: cursor up, clear line).
void PullProgress::redraw(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  if (lines_drawn_ > 0) std::fprintf(out_, "\033[%zuA", lines_drawn_);
  for (const Entry& entry : entries_) std::fprintf(out_, "\033[2K%s\n", describe(entry).c_str());
  lines_drawn_ = entries_.size();
  std::fflush(out_);
}

void PullProgress::warning(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::fprintf(err_, "WARNING: %.*s\n", static_cast<int>(text.size()), text.data());
  std::fflush(err_);
  lines_drawn_ = 0;  // the terminal scrolled: draw a fresh block below
}

void PullProgress::finish() {
  if (style_ != ProgressStyle::kTerminal) return;
  std::lock_guard lock(mutex_);
  redraw(true);
}

}  // namespace sbx::cli
