// String helpers shared by the parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sbx {

std::vector<std::string> split(std::string_view text, char separator);
// `text` without leading and trailing white space (isspace in the C locale).
std::string_view trim(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// An argv or envp for exec: pointers into `strings` (which must outlive the
// result), ending in nullptr. Built before fork: the child only reads it.
std::vector<char*> c_string_array(const std::vector<std::string>& strings);
// "1.5 MB", "312 kB": decimal units, as docker prints sizes.
std::string human_size(double bytes);

}  // namespace sbx
