// Shared libraries loaded on first use. libcurl, libarchive, libseccomp,
// libsubid, zlib and libzstd (with their ~50 dependencies) are needed by pull,
// unpack, a diff-id check, a seccomp cache miss or an nsswitch subid source
// only; linking them would make every `sandbox run` map and relocate them
// before main() (~12 ms, ~9 MiB).
//
// A module that uses such a library defines the few functions it calls under
// their own names, each forwarding to the real one (see SBX_LAZY), and links
// only the headers. Call sites stay plain library calls.
#pragma once

#include <mutex>
#include <string>

namespace sbx {

// What a program does when a lazily loaded library or symbol is missing
// (`what` is the loader's message). `sandbox` prints it and exits 127, as the
// dynamic loader would at start-up. Must not return; without one the process
// aborts.
using MissingLibraryHandler = void (*)(const std::string& what);
void set_missing_library_handler(MissingLibraryHandler handler);

class LazyLibrary {
 public:
  // `soname` as the dynamic loader would look it up ("libcurl.so.4").
  explicit LazyLibrary(const char* soname) : soname_(soname) {}
  LazyLibrary(const LazyLibrary&) = delete;
  LazyLibrary& operator=(const LazyLibrary&) = delete;

  // Loads the library if it is not yet loaded; false (and no message) when it
  // cannot be, for optional libraries.
  bool load();
  // The address of `name`. A library or symbol that cannot be loaded means a
  // broken installation, and the call site, a plain C call, cannot take an
  // error: this calls the program's handler (see below) and aborts if that
  // returns.
  void* symbol(const char* name);
  const char* soname() const { return soname_; }

 private:
  const char* soname_;
  std::once_flag once_;
  void* handle_ = nullptr;
  std::string error_;  // dlerror() of a failed load
};

// An optional library as `sandbox version` reports it.
struct OptionalLibrary {
  std::string name;    // "ISA-L"
  std::string soname;  // "libisal.so.2"; empty when support for it was not built in
  bool loaded = false;
};

}  // namespace sbx

// The real `name` from `library` as a typed function pointer, looked up once.
#define SBX_LAZY(library, name)                                                                   \
  ([]() {                                                                                         \
    static const auto sbx_lazy_fn = reinterpret_cast<decltype(&::name)>((library).symbol(#name)); \
    return sbx_lazy_fn;                                                                           \
  }())
