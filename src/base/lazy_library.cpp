#include "sandbox/base/lazy_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>

namespace sbx {
namespace {

[[noreturn]] void die_unloadable(const std::string& what) {
  std::fprintf(stderr, "sandbox: %s\n", what.c_str());
  std::fflush(stderr);
  ::_exit(127);
}

}  // namespace

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
  if (!load()) die_unloadable(error_);
  ::dlerror();
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) {
    const char* error = ::dlerror();
    die_unloadable(error ? error : std::string(soname_) + ": no symbol " + name);
  }
  return address;
}

}  // namespace sbx
