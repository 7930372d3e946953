// Error values: what failed, on which path, with which errno, and the context
// gained on the way up. Only the CLI prints them (one line, plus a hint).
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sbx {

class Error {
 public:
  // What went wrong, for the callers that act on it (pull a missing image,
  // say that a login was refused). errno says which syscall failure it was,
  // never this.
  enum class Kind {
    kOther,
    kNotFound,      // the thing asked for does not exist ("no such image: x")
    kAccessDenied,  // a server refused the credentials given
  };

  Error() = default;
  explicit Error(std::string message, int errno_value = 0)
      : message_(std::move(message)), errno_(errno_value) {}
  Error(std::string message, Kind kind) : message_(std::move(message)), kind_(kind) {}

  // "verb(path): strerror" with errno kept, e.g. "mkdir(/x/y): Permission denied".
  static Error from_errno(std::string_view verb, std::string_view path, int errno_value = errno);
  static Error from_errno(std::string_view verb, int errno_value = errno);

  // Prefix with what the caller was doing: "pull busybox: " + message. The
  // rvalue forms return a new value, so `e = std::move(e).with_hint(h)` is safe.
  Error context(std::string_view what) &&;
  Error& context(std::string_view what) &;
  // One line on what the user can do about it ("add 'alice:100000:65536' to /etc/subuid").
  Error with_hint(std::string hint) &&;

  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  int errno_value() const { return errno_; }
  Kind kind() const { return kind_; }

 private:
  std::string message_;
  std::string hint_;
  int errno_ = 0;
  Kind kind_ = Kind::kOther;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string message, int errno_value = 0) {
  return std::unexpected(Error(std::move(message), errno_value));
}
inline std::unexpected<Error> fail(Error error) { return std::unexpected(std::move(error)); }
inline std::unexpected<Error> fail_errno(std::string_view verb, std::string_view path,
                                         int errno_value = errno) {
  return std::unexpected(Error::from_errno(verb, path, errno_value));
}

// Adds context to a failed result and passes a good one through.
template <class T>
Result<T> with_context(Result<T>&& result, std::string_view what) {
  if (!result) result.error().context(what);
  return std::move(result);
}

}  // namespace sbx

// Unwraps a Result or returns its error from the enclosing function (GCC/Clang
// statement expression). SBX_TRY_CTX also prefixes the error with context.
#define SBX_TRY(expr)                                                                 \
  ({                                                                                  \
    auto&& sbx_try_result_ = (expr);                                                  \
    if (!sbx_try_result_) return std::unexpected(std::move(sbx_try_result_).error()); \
    std::move(sbx_try_result_).value();                                               \
  })

#define SBX_TRY_CTX(expr, what)                                                            \
  ({                                                                                       \
    auto&& sbx_try_result_ = (expr);                                                       \
    if (!sbx_try_result_)                                                                  \
      return std::unexpected(std::move(std::move(sbx_try_result_).error()).context(what)); \
    std::move(sbx_try_result_).value();                                                    \
  })
