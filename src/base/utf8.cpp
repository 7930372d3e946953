#include "sandbox/base/utf8.hpp"

namespace sbx {

size_t invalid_utf8_offset(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  for (size_t i = 0; i < text.size();) {
    unsigned char lead = byte(i);
    size_t length = lead < 0x80           ? 1
                    : (lead >> 5) == 0x6  ? 2
                    : (lead >> 4) == 0xe  ? 3
                    : (lead >> 3) == 0x1e ? 4
                                          : 0;
    if (length == 0 || i + length > text.size()) return i;
    // The range the second byte may take: narrower after E0, ED, F0 and F4 (RFC 3629).
    unsigned char low = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
    if ((length == 2 && lead < 0xc2) || lead > 0xf4) return i;
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = byte(i + k);
      if (k == 1 ? (next < low || next > high) : (next & 0xc0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace sbx
