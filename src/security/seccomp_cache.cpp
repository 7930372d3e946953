// A disk cache of compiled seccomp programs, keyed by everything the BPF
// depends on. Files are written atomically, so readers see whole programs.
#include <seccomp.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstring>

#include "sandbox/base/files.hpp"
#include "seccomp_internal.hpp"

namespace sbx::security {
namespace {

// Bump when the cache file format or the compile step changes meaning.
constexpr std::string_view kCacheFormat = "sandbox-seccomp-bpf-2";  // 2: binary tree

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
  const scmp_version* lib = seccomp_version();
  std::string material(kCacheFormat);
  material += '\n' + std::to_string(caps.bits()) + '\n' + uts.release + '\n' + uts.machine;
  material += '\n' + std::to_string(seccomp_arch_native());
  if (lib) {
    material += '\n' + std::to_string(lib->major) + '.' + std::to_string(lib->minor) + '.' +
                std::to_string(lib->micro);
  }
  material += '\n' + seccomp_profile_to_json(profile);
  // Two independent hashes: 128 bits against accidental collisions.
  char name[64];
  std::snprintf(name, sizeof name, "seccomp-%016llx%016llx.bpf",
                static_cast<unsigned long long>(fnv1a(material)),
                static_cast<unsigned long long>(fnv1a(material, 0x84222325cbf29ce4ull)));
  return name;
}

std::optional<SeccompProgram> read_cached(const std::filesystem::path& path, unsigned flags) {
  auto bytes = read_file(path);
  if (!bytes || bytes->empty() || bytes->size() % sizeof(sock_filter) != 0 ||
      bytes->size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    return std::nullopt;
  }
  SeccompProgram program;
  program.filter.resize(bytes->size() / sizeof(sock_filter));
  std::memcpy(program.filter.data(), bytes->data(), bytes->size());
  program.flags = flags;
  return program;
}

}  // namespace

Result<SeccompProgram> compile_seccomp_cached(const SeccompProfile& profile,
                                              const CapabilitySet& caps,
                                              const std::filesystem::path& cache_dir) {
  const std::filesystem::path path = cache_dir / cache_key(profile, caps);
  const unsigned flags = SBX_TRY(seccomp_filter_flags(profile));
  if (auto cached = read_cached(path, flags)) return std::move(*cached);
  SeccompProgram program = SBX_TRY(compile_seccomp(profile, caps));
  // Best effort: a read-only or full cache only costs time.
  if (make_dirs(cache_dir, 0700)) {
    std::string_view bytes(reinterpret_cast<const char*>(program.filter.data()),
                           program.filter.size() * sizeof(sock_filter));
    (void)write_file_atomic(path, bytes, 0600);
  }
  return program;
}

}  // namespace sbx::security
