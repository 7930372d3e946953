// A disk cache of compiled seccomp programs, keyed by everything the BPF
// depends on. Files are written atomically, so readers see whole programs.
//
// A hit must not load libseccomp (seccomp_lazy.cpp): that is most of why the
// cache exists. So the key takes the native architecture from the build
// target, and the library that compiled a program is checked by its file: an
// entry starts with the libseccomp path and that file's identity (device,
// inode, size, mtime); an upgraded or replaced library no longer matches and
// the program is compiled again.
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sandbox/base/files.hpp"
#include "seccomp_internal.hpp"

namespace sbx::security {
namespace {

// Bump when the cache file format or the compile step changes meaning.
// 2: binary tree; 3: libseccomp identity header, native arch from the build;
// 4: the ENOSYS stub for syscalls newer than the profile.
constexpr std::string_view kCacheFormat = "sandbox-seccomp-bpf-4";

uint64_t fnv1a(std::string_view data, uint64_t hash = 0xcbf29ce484222325ull) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string cache_key(const SeccompProfile& profile, const CapabilitySet& caps) {
  utsname uts{};
  uname(&uts);
  std::string material(kCacheFormat);
  material += '\n' + std::to_string(caps.bits()) + '\n' + uts.release + '\n' + uts.machine;
  material += '\n' + std::to_string(native_seccomp_arch());
  // Another search path may find another libseccomp than the one an entry names.
  const char* search_path = std::getenv("LD_LIBRARY_PATH");
  material += '\n' + std::string(search_path ? search_path : "");
  material += '\n' + seccomp_profile_to_json(profile);
  // Two independent hashes: 128 bits against accidental collisions.
  char name[64];
  std::snprintf(name, sizeof name, "seccomp-%016llx%016llx.bpf",
                static_cast<unsigned long long>(fnv1a(material)),
                static_cast<unsigned long long>(fnv1a(material, 0x84222325cbf29ce4ull)));
  return name;
}

// "<path>\n<dev> <ino> <size> <mtime>\n" for the file at `path`, if it exists.
std::optional<std::string> file_identity(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return std::nullopt;
  return path + '\n' + std::to_string(st.st_dev) + ' ' + std::to_string(st.st_ino) + ' ' +
         std::to_string(st.st_size) + ' ' + std::to_string(st.st_mtim.tv_sec) + '.' +
         std::to_string(st.st_mtim.tv_nsec) + '\n';
}

std::optional<SeccompProgram> read_cached(const std::filesystem::path& path, unsigned flags) {
  auto bytes = read_file(path);
  if (!bytes) return std::nullopt;
  auto library = file_identity(bytes->substr(0, bytes->find('\n')));
  if (!library || !bytes->starts_with(*library)) return std::nullopt;
  std::string_view bpf = std::string_view(*bytes).substr(library->size());
  if (bpf.empty() || bpf.size() % sizeof(sock_filter) != 0 ||
      bpf.size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    return std::nullopt;
  }
  SeccompProgram program;
  program.filter.resize(bpf.size() / sizeof(sock_filter));
  std::memcpy(program.filter.data(), bpf.data(), bpf.size());
  program.flags = flags;
  return program;
}

}  // namespace

uint32_t native_seccomp_arch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return SCMP_ARCH_X32;
#elif defined(__x86_64__)
  return SCMP_ARCH_X86_64;
#elif defined(__i386__)
  return SCMP_ARCH_X86;
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return SCMP_ARCH_AARCH64;
#elif defined(__arm__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return SCMP_ARCH_ARM;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return SCMP_ARCH_PPC64LE;
#elif defined(__s390x__)
  return SCMP_ARCH_S390X;
#elif defined(__riscv) && __riscv_xlen == 64
  return SCMP_ARCH_RISCV64;
#else
  return seccomp_arch_native();  // a less common target: ask the library
#endif
}

Result<SeccompProgram> compile_seccomp_cached(const SeccompProfile& profile,
                                              const CapabilitySet& caps,
                                              const std::filesystem::path& cache_dir) {
  const std::filesystem::path path = cache_dir / cache_key(profile, caps);
  const unsigned flags = SBX_TRY(seccomp_filter_flags(profile));
  if (auto cached = read_cached(path, flags)) return std::move(*cached);
  SeccompProgram program = SBX_TRY(compile_seccomp(profile, caps));
  // Best effort: a read-only or full cache, or a library we cannot name,
  // only costs time.
  auto library = file_identity(libseccomp_file());
  if (library && make_dirs(cache_dir, 0700)) {
    std::string bytes = std::move(*library);
    bytes.append(reinterpret_cast<const char*>(program.filter.data()),
                 program.filter.size() * sizeof(sock_filter));
    (void)write_file_atomic(path, bytes, 0600);
  }
  return program;
}

}  // namespace sbx::security
