// UTF-8 well-formedness, for text a parser trusts to be UTF-8 (TOML).
#pragma once

#include <cstddef>
#include <string_view>

namespace sbx {

// The offset of the first byte that is not well-formed UTF-8 (overlong forms, surrogates and
// code points past U+10FFFF included), or npos when all of `text` is.
size_t invalid_utf8_offset(std::string_view text);

}  // namespace sbx
