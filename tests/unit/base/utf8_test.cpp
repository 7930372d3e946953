#include "sandbox/base/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

namespace sbx {
namespace {

TEST(InvalidUtf8Offset, FindsTheFirstByteThatIsNotWellFormed) {
  constexpr size_t kValid = std::string_view::npos;
  const std::pair<std::string_view, size_t> cases[] = {
      {"", kValid},
      {"plain ascii", kValid},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", kValid},  // é € and a 4-byte emoji
      {"\xed\x9f\xbf", kValid},                               // U+D7FF, below the surrogates
      {"\xf4\x8f\xbf\xbf", kValid},                           // U+10FFFF, the last code point
      {"ab\x80", 2},                                          // a lone continuation byte
      {"\xc0\xaf", 0},                                        // overlong '/'
      {"\xe0\x80\xaf", 0},                                    // overlong, 3 bytes
      {"\xed\xa0\x80", 0},                                    // a surrogate
      {"\xf4\x90\x80\x80", 0},                                // past U+10FFFF
      {"x\xe2\x82", 1},                                       // cut short at the end
      {"\xff", 0},
      {"quay.\xe9o", 5},  // Latin-1, not UTF-8
  };
  for (const auto& [text, offset] : cases)
    EXPECT_EQ(invalid_utf8_offset(text), offset) << testing::PrintToString(std::string(text));
}

}  // namespace
}  // namespace sbx
