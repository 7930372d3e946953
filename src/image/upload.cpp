// Location, Range and chunk planning for blob uploads (pure).
#include "sandbox/image/upload.hpp"

#include <charconv>

namespace sbx::image {

std::string resolve_location(std::string_view base_url, std::string_view request_url,
                             std::string_view location) {
  while (!location.empty() && location.front() == ' ') location.remove_prefix(1);
  if (location.empty()) return {};
  if (location.starts_with("http://") || location.starts_with("https://"))
    return std::string(location);
  if (location.starts_with("/")) return std::string(base_url) + std::string(location);
  std::string_view path = request_url.substr(0, request_url.find_first_of("?#"));
  return std::string(path.substr(0, path.rfind('/') + 1)) + std::string(location);
}

std::string with_query(std::string_view url, std::string_view parameter) {
  std::string out(url);
  out += url.find('?') == std::string_view::npos ? '?' : '&';
  out += parameter;
  return out;
}

std::optional<uint64_t> parse_upload_range(std::string_view header) {
  if (header.starts_with("bytes=")) header.remove_prefix(6);
  if (!header.starts_with("0-")) return std::nullopt;
  std::string_view end = header.substr(2);
  if (end == "-1") return 0;
  uint64_t last = 0;
  auto [ptr, ec] = std::from_chars(end.data(), end.data() + end.size(), last);
  if (ec != std::errc() || ptr != end.data() + end.size() || end.empty()) return std::nullopt;
  return last == 0 ? 0 : last + 1;
}

std::string Chunk::content_range() const {
  return std::to_string(start) + "-" + std::to_string(start + size - 1);
}

std::vector<Chunk> plan_chunks(uint64_t from, uint64_t total, uint64_t chunk_size) {
  std::vector<Chunk> chunks;
  if (chunk_size == 0) chunk_size = total;
  for (uint64_t at = from; at < total; at += chunk_size)
    chunks.push_back({at, std::min(chunk_size, total - at)});
  return chunks;
}

}  // namespace sbx::image
