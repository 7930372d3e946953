// The pure parts of the registry upload protocol (unit-tested): where an
// upload goes next (Location), what the registry says it has (Range), and
// how a blob is cut into PATCH chunks (Content-Range).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sbx::image {

// The absolute URL of an upload's Location header: absolute URLs are kept,
// "/v2/..." is resolved against `base_url` ("http://127.0.0.1:5000"), and a
// relative path against the directory of `request_url`. "" when empty.
std::string resolve_location(std::string_view base_url, std::string_view request_url,
                             std::string_view location);

// `url` with "key=value" added to its query (after '?' or '&').
std::string with_query(std::string_view url, std::string_view parameter);

// The bytes an upload holds from its Range header ("0-1023" or "bytes=0-1023"
// -> 1024; "0-0" and "0--1", which distribution sends for an empty upload, -> 0).
// nullopt when the header does not parse or does not start at 0.
std::optional<uint64_t> parse_upload_range(std::string_view header);

// One PATCH of a chunked upload: bytes [start, start + size).
struct Chunk {
  uint64_t start = 0;
  uint64_t size = 0;
  // "Content-Range: start-end" (inclusive end, as the registry API wants).
  std::string content_range() const;
  friend bool operator==(const Chunk&, const Chunk&) = default;
};

// The chunks that send bytes [from, total) at most `chunk_size` each
// (chunk_size 0: one chunk). Nothing when from >= total.
std::vector<Chunk> plan_chunks(uint64_t from, uint64_t total, uint64_t chunk_size);

}  // namespace sbx::image
