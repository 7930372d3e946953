#include "sandbox/base/error.hpp"

#include <cstring>

namespace sbx {

Error Error::from_errno(std::string_view verb, std::string_view path, int errno_value) {
  std::string message(verb);
  message += '(';
  message += path;
  message += "): ";
  message += std::strerror(errno_value);
  return Error(std::move(message), errno_value);
}

Error Error::from_errno(std::string_view verb, int errno_value) {
  std::string message(verb);
  message += ": ";
  message += std::strerror(errno_value);
  return Error(std::move(message), errno_value);
}

Error& Error::context(std::string_view what) & {
  if (!what.empty()) message_ = std::string(what) + ": " + message_;
  return *this;
}

Error Error::context(std::string_view what) && { return std::move(context(what)); }

Error Error::with_hint(std::string hint) && {
  hint_ = std::move(hint);
  return std::move(*this);
}

}  // namespace sbx
