// Platforms and choosing an index entry, following containerd's platforms
// package (Normalize, Only).
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "sandbox/base/strings.hpp"
#include "sandbox/image/manifest.hpp"

namespace sbx::image {
namespace {

void normalize_arch(std::string& arch, std::string& variant) {
  if (arch == "i386") {
    arch = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant == "8" || variant == "v8" || variant == "v8.0")
      variant.clear();
    else if (variant == "9" || variant == "9.0" || variant == "v9.0")
      variant = "v9";
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty() || variant == "7")
      variant = "v7";
    else if (variant == "5" || variant == "6" || variant == "8")
      variant = "v" + variant;
  }
}

// "v3" -> 3; -1 when not of that form. No variant has more than two digits,
// and more would overflow and list billions of fallbacks.
int variant_number(const std::string& variant) {
  if (variant.size() < 2 || variant.size() > 3 || variant[0] != 'v') return -1;
  int n = 0;
  for (size_t i = 1; i < variant.size(); ++i) {
    if (variant[i] < '0' || variant[i] > '9') return -1;
    n = n * 10 + (variant[i] - '0');
  }
  return n;
}

// arm64/v8.x runs v8.{x-1..0}; v9.x runs v9.{x-1..0} and v8.{x+5 (at most 9)..0}.
void add_arm64_variants(const Platform& p, std::vector<Platform>& out) {
  std::string variant = p.variant.empty() ? "v8" : p.variant;
  int major = 0;
  int minor = 0;
  // Two digits at most (sscanf overflows on more); v8.x and v9.x have x <= 9.
  if (std::sscanf(variant.c_str(), "v%2d.%2d", &major, &minor) < 1 || major < 8 || major > 9 ||
      minor > 9)
    return;
  auto add = [&](int ma, int mi) {
    std::string v = "v" + std::to_string(ma) + (mi == 0 ? "" : "." + std::to_string(mi));
    out.push_back(normalize_platform({p.os, "arm64", v}));
  };
  if (major == 9) {
    for (int m = minor - 1; m >= 0; --m) add(9, m);
    major = 8;
    minor = std::min(minor + 5, 9);
    add(8, minor);
  }
  for (int m = minor - 1; m >= 0; --m) add(major, m);
}

}  // namespace

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Platform normalize_platform(Platform platform) {
  for (auto* field : {&platform.os, &platform.architecture, &platform.variant})
    for (char& c : *field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (platform.os == "macos") platform.os = "darwin";
  normalize_arch(platform.architecture, platform.variant);
  return platform;
}

Platform host_platform() {
  struct utsname uts {};
  std::string machine = ::uname(&uts) == 0 ? uts.machine : "";
  if (machine.empty()) {
#if defined(__x86_64__)
    machine = "amd64";
#elif defined(__aarch64__)
    machine = "arm64";
#endif
  }
  Platform p{"linux", machine, ""};
  if (machine.starts_with("armv")) {
    p.architecture = "arm";
    p.variant = "v" + machine.substr(4, 1);
  }
  return normalize_platform(p);
}

Result<Platform> parse_platform(std::string_view text) {
  auto parts = split(text, '/');
  for (const auto& part : parts)
    if (part.empty()) return fail("invalid platform '" + std::string(text) + "': empty component");
  Platform p;
  if (parts.size() == 1) {
    // A lone word is an architecture on Linux ("arm64"); an OS name means host arch.
    if (parts[0] == "linux")
      p = Platform{"linux", host_platform().architecture, ""};
    else
      p = Platform{"linux", parts[0], ""};
  } else if (parts.size() == 2 || parts.size() == 3) {
    p = Platform{parts[0], parts[1], parts.size() == 3 ? parts[2] : ""};
  } else {
    return fail("invalid platform '" + std::string(text) + "': want os/arch[/variant]");
  }
  return normalize_platform(std::move(p));
}

std::vector<Platform> compatible_platforms(const Platform& wanted) {
  Platform p = normalize_platform(wanted);
  std::vector<Platform> out{p};
  if (p.architecture == "amd64") {
    for (int v = variant_number(p.variant) - 1; v >= 1; --v)
      out.push_back({p.os, "amd64", v == 1 ? "" : "v" + std::to_string(v)});
    out.push_back({p.os, "386", ""});
  } else if (p.architecture == "arm") {
    for (int v = variant_number(p.variant) - 1; v >= 5; --v)
      out.push_back({p.os, "arm", "v" + std::to_string(v)});
  } else if (p.architecture == "arm64") {
    add_arm64_variants(p, out);
    // arm64 CPUs run 32-bit arm/v8 and below.
    for (int v = 8; v >= 5; --v) out.push_back({p.os, "arm", "v" + std::to_string(v)});
  }
  return out;
}

Result<Descriptor> select_manifest(const ImageIndex& index, const Platform& platform) {
  for (const Platform& want : compatible_platforms(platform)) {
    for (const Descriptor& d : index.manifests) {
      if (!d.platform || !is_manifest_media_type(d.media_type)) continue;
      if (normalize_platform(*d.platform) == want) return d;
    }
  }
  std::vector<std::string> offered;
  for (const Descriptor& d : index.manifests)
    if (d.platform && d.platform->os != "unknown") offered.push_back(d.platform->str());
  return fail("no image for platform " + normalize_platform(platform).str() +
              " (the index offers: " + (offered.empty() ? "none" : join(offered, ", ")) + ")");
}

Platform platform_of(const ImageConfig& config) {
  return normalize_platform(
      {config.os.empty() ? "linux" : config.os, config.architecture, config.variant});
}

bool serves_platform(const ImageConfig& config, const Platform& wanted) {
  if (config.architecture.empty()) return true;
  Platform have = platform_of(config);
  auto ok = compatible_platforms(normalize_platform(wanted));
  return std::find(ok.begin(), ok.end(), have) != ok.end() ||
         (have.variant.empty() && std::any_of(ok.begin(), ok.end(), [&](const Platform& p) {
            return p.os == have.os && p.architecture == have.architecture;
          }));
}

}  // namespace sbx::image
