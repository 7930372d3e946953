// The sd-bus functions the systemd scope client calls, loaded on first use
// (see sandbox/base/lazy_library.hpp): only runs with resource limits talk to
// systemd, and libsystemd brings gcrypt, lz4, lzma, zstd and libcap along.
#include <systemd/sd-bus.h>

#include <cstdarg>

#include "sandbox/base/lazy_library.hpp"

namespace {

sbx::LazyLibrary& libsystemd() {
  static sbx::LazyLibrary library("libsystemd.so.0");
  return library;
}

}  // namespace

extern "C" {

int sd_bus_new(sd_bus** bus) { return SBX_LAZY(libsystemd(), sd_bus_new)(bus); }
int sd_bus_set_address(sd_bus* bus, const char* address) {
  return SBX_LAZY(libsystemd(), sd_bus_set_address)(bus, address);
}
int sd_bus_set_bus_client(sd_bus* bus, int b) {
  return SBX_LAZY(libsystemd(), sd_bus_set_bus_client)(bus, b);
}
int sd_bus_start(sd_bus* bus) { return SBX_LAZY(libsystemd(), sd_bus_start)(bus); }
sd_bus* sd_bus_flush_close_unref(sd_bus* bus) {
  return SBX_LAZY(libsystemd(), sd_bus_flush_close_unref)(bus);
}
int sd_bus_process(sd_bus* bus, sd_bus_message** r) {
  return SBX_LAZY(libsystemd(), sd_bus_process)(bus, r);
}
int sd_bus_wait(sd_bus* bus, uint64_t timeout_usec) {
  return SBX_LAZY(libsystemd(), sd_bus_wait)(bus, timeout_usec);
}
int sd_bus_call(sd_bus* bus, sd_bus_message* m, uint64_t usec, sd_bus_error* ret_error,
                sd_bus_message** reply) {
  return SBX_LAZY(libsystemd(), sd_bus_call)(bus, m, usec, ret_error, reply);
}
int sd_bus_match_signal(sd_bus* bus, sd_bus_slot** ret, const char* sender, const char* path,
                        const char* interface, const char* member,
                        sd_bus_message_handler_t callback, void* userdata) {
  return SBX_LAZY(libsystemd(), sd_bus_match_signal)(bus, ret, sender, path, interface, member,
                                                     callback, userdata);
}
sd_bus_slot* sd_bus_slot_unref(sd_bus_slot* slot) {
  return SBX_LAZY(libsystemd(), sd_bus_slot_unref)(slot);
}
void sd_bus_error_free(sd_bus_error* e) { SBX_LAZY(libsystemd(), sd_bus_error_free)(e); }
int sd_bus_error_is_set(const sd_bus_error* e) {
  return SBX_LAZY(libsystemd(), sd_bus_error_is_set)(e);
}

int sd_bus_message_new_method_call(sd_bus* bus, sd_bus_message** m, const char* destination,
                                   const char* path, const char* interface, const char* member) {
  return SBX_LAZY(libsystemd(), sd_bus_message_new_method_call)(bus, m, destination, path,
                                                                interface, member);
}
sd_bus_message* sd_bus_message_unref(sd_bus_message* m) {
  return SBX_LAZY(libsystemd(), sd_bus_message_unref)(m);
}
int sd_bus_message_open_container(sd_bus_message* m, char type, const char* contents) {
  return SBX_LAZY(libsystemd(), sd_bus_message_open_container)(m, type, contents);
}
int sd_bus_message_close_container(sd_bus_message* m) {
  return SBX_LAZY(libsystemd(), sd_bus_message_close_container)(m);
}
// The variadic pair goes through libsystemd's va_list forms.
int sd_bus_message_append(sd_bus_message* m, const char* types, ...) {
  va_list args;
  va_start(args, types);
  int r = SBX_LAZY(libsystemd(), sd_bus_message_appendv)(m, types, args);
  va_end(args);
  return r;
}
int sd_bus_message_read(sd_bus_message* m, const char* types, ...) {
  va_list args;
  va_start(args, types);
  int r = SBX_LAZY(libsystemd(), sd_bus_message_readv)(m, types, args);
  va_end(args);
  return r;
}

}  // extern "C"
