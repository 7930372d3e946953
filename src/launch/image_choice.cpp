// The image of a run: the pull policy, the platform, and whether this host
// can execute it (image_choice.hpp).
#include "image_choice.hpp"

#include <array>
#include <utility>

#include "sandbox/base/files.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/launch/run.hpp"
#include "sandbox/store/lookup.hpp"

namespace sbx::launch {
namespace {

// OCI architecture -> qemu-user's name for it (its binfmt handler's suffix).
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kQemuArchitectures = {{
    {"amd64", "x86_64"},
    {"arm64", "aarch64"},
    {"386", "i386"},
    {"arm", "arm"},
    {"ppc64le", "ppc64le"},
    {"ppc64", "ppc64"},
    {"s390x", "s390x"},
    {"riscv64", "riscv64"},
    {"mips64le", "mips64el"},
    {"loong64", "loongarch64"},
}};

constexpr const char* kBinfmtDir = "/proc/sys/fs/binfmt_misc";

// A registered and enabled handler (its file's first line is "enabled").
bool binfmt_handler_enabled(const std::string& name) {
  if (name.empty()) return false;
  auto text = read_file(std::string(kBinfmtDir) + "/" + name);
  return text && text->starts_with("enabled");
}

// A stored image for `ref` that serves `platform` (any stored one without
// --platform); kNotFound when there is none.
Result<store::ImageRecord> stored_for_platform(const store::Store& store, const std::string& ref,
                                               const std::optional<image::Platform>& platform) {
  auto found = SBX_TRY(images::find_stored_image(store, ref));
  if (!platform) return found;
  auto config = SBX_TRY(store.image_config(found.id));
  if (image::serves_platform(config, *platform)) return found;
  return fail(Error("image " + ref + " is stored for " + image::platform_of(config).str() +
                        ", not " + image::normalize_platform(*platform).str(),
                    Error::Kind::kNotFound));
}

}  // namespace

Result<PullPolicy> parse_pull_policy(std::string_view text) {
  if (text == "missing" || text.empty()) return PullPolicy::kMissing;
  if (text == "always") return PullPolicy::kAlways;
  if (text == "never") return PullPolicy::kNever;
  if (text == "newer") return PullPolicy::kNewer;
  return fail(Error("invalid --pull '" + std::string(text) + "'", EINVAL)
                  .with_hint("use --pull missing (the default), always, never or newer"));
}

std::string binfmt_handler_name(const image::Platform& platform) {
  for (auto [arch, qemu] : kQemuArchitectures)
    if (platform.architecture == arch) return "qemu-" + std::string(qemu);
  return "";
}

Result<store::ImageRecord> resolve_run_image(const store::Store& store,
                                             const containers::RunFlags& flags,
                                             images::ProgressSink& progress) {
  PullPolicy policy = SBX_TRY(parse_pull_policy(flags.pull));
  images::PullOptions options;
  if (!flags.platform.empty())
    options.platform = SBX_TRY_CTX(image::parse_platform(flags.platform), "--platform");
  const std::string& ref = flags.image;
  std::optional<store::ImageRecord> stored;
  if (policy != PullPolicy::kAlways) {
    auto found = stored_for_platform(store, ref, options.platform);
    if (!found && !store::is_not_found(found.error())) return fail(std::move(found).error());
    if (found) stored = std::move(*found);
    if (stored && policy != PullPolicy::kNewer) return std::move(*stored);
    if (!stored && policy == PullPolicy::kNever) {
      Error missing = found.error();
      return fail(
          Error(missing.message() + " and --pull=never", ENOENT)
              .with_hint("pull it first: sandbox pull " +
                         (flags.platform.empty() ? "" : "--platform " + flags.platform + " ") +
                         ref));
    }
  }
  // newer: the registry's manifest digest decides; blobs the store has are
  // not fetched again, so an unchanged image costs one manifest request.
  auto pulled = pull_image(store, ref, options, progress);
  if (!pulled) {
    if (!stored) return fail(std::move(pulled).error());
    progress.warning("--pull=newer: " + pulled.error().message() + "; using the stored image");
    return std::move(*stored);
  }
  return store.resolve(pulled->id.str());
}

Status check_image_runs_here(const image::ImageConfig& config) {
  image::Platform host = image::host_platform();
  if (image::serves_platform(config, host)) return {};
  image::Platform theirs = image::platform_of(config);
  std::string handler = theirs.os == host.os ? binfmt_handler_name(theirs) : "";
  if (binfmt_handler_enabled(handler)) return {};
  return fail(Error("the image is for " + theirs.str() + " and this host runs " + host.str() +
                        ": its programs would fail with 'exec format error' (no binfmt_misc "
                        "handler" +
                        (handler.empty() ? std::string() : " " + handler) + " is enabled)",
                    ENOEXEC)
                  .with_hint(handler.empty()
                                 ? "use an image (or --platform) for " + host.str()
                                 : "use --platform " + host.str() +
                                       ", or install qemu-user-binfmt to emulate " + theirs.str()));
}

}  // namespace sbx::launch
