// Verified, resumable blob downloads: stream into <dest>.partial while
// hashing, resume with Range after a failure, check size and digest, then
// fsync and rename into place.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <array>
#include <cinttypes>

#include "registry_impl.hpp"
#include "sandbox/base/files.hpp"

namespace sbx::image {
namespace {

namespace fs = std::filesystem;
using detail::HttpRequest;
using detail::HttpResponse;

// Attempts that moved bytes do not count against max_attempts; this bounds
// the whole download anyway.
constexpr int kMaxTotalAttempts = 100;

Status pwrite_all(int fd, std::string_view data, uint64_t offset, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("write", path.string());
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return {};
}

// "bytes 100-199/200" -> 100; -1 when unparsable.
int64_t content_range_start(const std::string& header) {
  unsigned long long start = 0;
  if (std::sscanf(header.c_str(), "bytes %llu-", &start) != 1) return -1;
  return static_cast<int64_t>(start);
}

class BlobDownload {
 public:
  BlobDownload(const RegistryClient::Impl& impl, const Descriptor& descriptor, const fs::path& dest,
               const ProgressFn& progress)
      : impl_(impl),
        descriptor_(descriptor),
        dest_(dest),
        partial_(dest.string() + ".partial"),
        progress_(progress),
        what_("blob " + descriptor.digest.str()) {}

  Status run() {
    // Only verified content is ever renamed to `dest`, so an existing one is done.
    bool already_there = path_exists(dest_) || SBX_TRY(open_locked_partial());
    if (already_there) {
      have_ = descriptor_.size;
      report();
      return {};
    }
    SBX_TRY(rehash_existing());
    bool resumed = have_ > 0;
    report();
    SBX_TRY(download());
    Digest got = hasher_.finish();
    if (got != descriptor_.digest && resumed) {  // the leftover bytes may be bad: once more
      SBX_TRY(restart());
      report();
      SBX_TRY(download());
      got = hasher_.finish();
    }
    return commit(got);
  }

 private:
  // Opens and flocks the partial file; true when another download finished
  // `dest` while we waited for the lock.
  Result<bool> open_locked_partial() {
    for (int tries = 0; tries < 10; ++tries) {
      fd_ = SBX_TRY(open_file(partial_, O_RDWR | O_CREAT | O_CLOEXEC, 0644));
      while (::flock(fd_.get(), LOCK_EX) != 0)
        if (errno != EINTR) return fail_errno("flock", partial_.string());
      struct stat ours {};
      struct stat named {};
      if (::fstat(fd_.get(), &ours) != 0) return fail_errno("fstat", partial_.string());
      // The holder before us may have renamed or deleted the file we opened.
      bool still_named = ::stat(partial_.c_str(), &named) == 0 && named.st_ino == ours.st_ino &&
                         named.st_dev == ours.st_dev;
      if (path_exists(dest_)) {
        if (still_named) ::unlink(partial_.c_str());  // the empty file we just made
        return true;
      }
      if (still_named) return false;
    }
    return fail("cannot lock " + partial_.string() + ": it keeps being replaced");
  }

  Status restart() {
    if (::ftruncate(fd_.get(), 0) != 0) return fail_errno("ftruncate", partial_.string());
    hasher_ = Sha256();
    have_ = 0;
    return {};
  }

  // Bytes left by an interrupted download count once re-hashed.
  Status rehash_existing() {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return fail_errno("fstat", partial_.string());
    if (static_cast<uint64_t>(st.st_size) > descriptor_.size) return restart();
    std::array<char, 1 << 16> buffer{};
    while (have_ < static_cast<uint64_t>(st.st_size)) {
      ssize_t n = ::pread(fd_.get(), buffer.data(), buffer.size(), static_cast<off_t>(have_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno("read", partial_.string());
      if (n == 0) break;
      hasher_.update(buffer.data(), static_cast<size_t>(n));
      have_ += static_cast<uint64_t>(n);
    }
    return {};
  }

  void report() const {
    if (progress_) progress_(have_, descriptor_.size);
  }

  // The first chunk of each response decides where its bytes belong.
  bool accept_response(const HttpResponse& response) {
    if (response.status == 206) {
      if (content_range_start(response.header("content-range")) == static_cast<int64_t>(have_))
        return true;
      error_ = Error(what_ + ": the registry answered the range request with the wrong range");
      return false;
    }
    if (have_ > 0) {  // range ignored: the whole blob follows
      if (auto reset = restart(); !reset) {
        error_ = std::move(reset.error());
        return false;
      }
    }
    return true;
  }

  bool write_chunk(const HttpResponse& response, std::string_view chunk) {
    if (first_chunk_) {
      first_chunk_ = false;
      if (!accept_response(response)) return false;
    }
    if (chunk.size() > descriptor_.size - have_) {
      error_ = Error(what_ + " is larger than its descriptor says (" +
                     std::to_string(descriptor_.size) + " bytes); refusing the rest");
      oversized_ = true;
      return false;
    }
    if (auto written = pwrite_all(fd_.get(), chunk, have_, partial_); !written) {
      error_ = std::move(written.error());
      return false;
    }
    hasher_.update(chunk);
    have_ += chunk.size();
    report();
    return true;
  }

  Status download() {
    int idle_failures = 0;
    std::string last_failure;
    for (int attempt = 1; have_ < descriptor_.size; ++attempt) {
      uint64_t before = have_;
      first_chunk_ = true;
      error_.reset();
      HttpRequest request{.url = impl_.repo_url("blobs", descriptor_.digest.str()),
                          .range_start = have_};
      request.on_body = [this](const HttpResponse& r, std::string_view chunk) {
        return write_chunk(r, chunk);
      };
      HttpResponse response = SBX_TRY(impl_.send(std::move(request)));
      if (oversized_) {
        ::unlink(partial_.c_str());
        return fail(std::move(*error_));
      }
      if (error_ && error_->errno_value() != 0) return fail(std::move(*error_));
      bool transient;
      if (error_) {  // a wrong Content-Range: start over
        SBX_TRY(restart());
        transient = true;
        last_failure = error_->message();
      } else if (response.curl_code == 0 && response.status == 416) {
        SBX_TRY(restart());
        transient = true;
        last_failure = "HTTP 416 for the range request";
      } else if (response.curl_code != 0) {
        transient = response.transient_failure();
        last_failure = response.transport_message();
      } else if (response.ok()) {
        transient = true;  // the body ended early
        last_failure = "the body ended after " + std::to_string(have_) + " bytes";
      } else {
        transient = retryable_status(response.status);
        last_failure = "HTTP " + std::to_string(response.status);
      }
      if (have_ >= descriptor_.size) break;
      if (!transient) return fail(impl_.response_error(response, what_));
      idle_failures = have_ > before ? 0 : idle_failures + 1;
      if (idle_failures >= impl_.options.max_attempts || attempt >= kMaxTotalAttempts)
        return fail(what_ + ": giving up after " + std::to_string(attempt) + " attempts (" +
                    std::to_string(have_) + " of " + std::to_string(descriptor_.size) +
                    " bytes): " + last_failure);
      impl_.backoff(idle_failures, response);
    }
    return {};
  }

  Status commit(const Digest& got) {
    if (got != descriptor_.digest) {
      ::unlink(partial_.c_str());
      return fail(
          Error("digest mismatch for " + what_ + ": the downloaded content hashes to " + got.str())
              .with_hint("the registry's copy is corrupt; try again or tell its owner"));
    }
    if (::fsync(fd_.get()) != 0) return fail_errno("fsync", partial_.string());
    if (::rename(partial_.c_str(), dest_.c_str()) != 0) return fail_errno("rename", dest_.string());
    auto dir = SBX_TRY(open_file(dest_.parent_path().empty() ? "." : dest_.parent_path(),
                                 O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (::fsync(dir.get()) != 0) return fail_errno("fsync", dest_.parent_path().string());
    return {};
  }

  const RegistryClient::Impl& impl_;
  const Descriptor& descriptor_;
  fs::path dest_;
  fs::path partial_;
  const ProgressFn& progress_;
  std::string what_;
  UniqueFd fd_;
  Sha256 hasher_;
  uint64_t have_ = 0;
  bool first_chunk_ = true;
  bool oversized_ = false;
  std::optional<Error> error_;
};

}  // namespace

Status RegistryClient::fetch_blob(const Descriptor& descriptor, const fs::path& dest,
                                  ProgressFn progress) const {
  // Every error names the blob (or its file, named by digest).
  return BlobDownload(*impl_, descriptor, dest, progress).run();
}

}  // namespace sbx::image
