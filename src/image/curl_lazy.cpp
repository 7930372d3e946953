// The libcurl functions the registry client calls, loaded on first use (see
// sandbox/base/lazy_library.hpp): `run` of a stored image never maps libcurl
// and its ~25 dependencies.
#define CURL_DISABLE_TYPECHECK  // the type-checking macros would rename the definitions below
#include <curl/curl.h>

#include <cstdarg>

#include "sandbox/base/lazy_library.hpp"

namespace {

sbx::LazyLibrary& libcurl() {
  static sbx::LazyLibrary library("libcurl.so.4");
  return library;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) { return SBX_LAZY(libcurl(), curl_global_init)(flags); }
CURL* curl_easy_init() { return SBX_LAZY(libcurl(), curl_easy_init)(); }
CURLcode curl_easy_perform(CURL* curl) { return SBX_LAZY(libcurl(), curl_easy_perform)(curl); }
void curl_easy_cleanup(CURL* curl) { SBX_LAZY(libcurl(), curl_easy_cleanup)(curl); }
const char* curl_easy_strerror(CURLcode code) {
  return SBX_LAZY(libcurl(), curl_easy_strerror)(code);
}
curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  return SBX_LAZY(libcurl(), curl_slist_append)(list, text);
}
void curl_slist_free_all(curl_slist* list) { SBX_LAZY(libcurl(), curl_slist_free_all)(list); }

// curl.h declares the last named parameter as an enum, which clang's -Wvarargs
// flags for va_start (it promotes to int); every ABI passes it as an int, and
// libcurl's own definitions do the same.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvarargs"

// One variadic argument whose type the option number encodes (curl.h,
// CURLOPTTYPE_*): long, object pointer, function pointer, curl_off_t, blob.
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  auto real = SBX_LAZY(libcurl(), curl_easy_setopt);
  va_list args;
  va_start(args, option);
  CURLcode code;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    code = real(curl, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    code = real(curl, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    code = real(curl, option, va_arg(args, void (*)()));
  } else if (option < CURLOPTTYPE_BLOB) {
    code = real(curl, option, va_arg(args, curl_off_t));
  } else {
    code = real(curl, option, va_arg(args, void*));
  }
  va_end(args);
  return code;
}

// Every CURLINFO takes one pointer to where the value goes.
CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return SBX_LAZY(libcurl(), curl_easy_getinfo)(curl, info, out);
}

#pragma GCC diagnostic pop

}  // extern "C"
