#include "sandbox/base/lazy_library.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>

namespace sbx {
namespace {

std::atomic<MissingLibraryHandler> missing_library_handler{nullptr};

[[noreturn]] void report_unloadable(const std::string& what) {
  if (MissingLibraryHandler handler = missing_library_handler.load()) handler(what);
  std::abort();  // nothing can continue without the function
}

}  // namespace

void set_missing_library_handler(MissingLibraryHandler handler) {
  missing_library_handler.store(handler);
}

bool LazyLibrary::load() {
  std::call_once(once_, [this] {
    handle_ = ::dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      const char* error = ::dlerror();
      error_ = error ? error : std::string("cannot load ") + soname_;
    }
  });
  return handle_ != nullptr;
}

void* LazyLibrary::symbol(const char* name) {
  if (!load()) report_unloadable(error_);
  ::dlerror();
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) {
    const char* error = ::dlerror();
    report_unloadable(error ? error : std::string(soname_) + ": no symbol " + name);
  }
  return address;
}

}  // namespace sbx
