#include "tls_trust.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"

namespace sbx::image::detail {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";

std::vector<fs::path> cert_dirs(std::string_view host) {
  std::vector<fs::path> dirs;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && xdg[0] == '/')
    dirs.push_back(fs::path(xdg) / "containers/certs.d" / host);
  else if (auto home = home_dir())
    dirs.push_back(*home / ".config/containers/certs.d" / host);
  dirs.push_back(fs::path("/etc/containers/certs.d") / host);
  dirs.push_back(fs::path("/etc/docker/certs.d") / host);
  return dirs;
}

// The *.crt files of `dir`, sorted; nothing when it does not exist.
std::vector<fs::path> crt_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".crt") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::string registry_ca_bundle(std::string_view host) {
  std::vector<fs::path> extra;
  for (const fs::path& dir : cert_dirs(host))
    for (fs::path& file : crt_files(dir)) extra.push_back(std::move(file));
  if (const char* file = std::getenv("SSL_CERT_FILE"); file && *file) extra.emplace_back(file);
  if (extra.empty()) return {};
  std::string pem;
  if (auto system = read_file(kSystemBundle)) pem = std::move(*system) + "\n";
  // An unreadable file is skipped: verification then fails with curl's reason.
  for (const fs::path& file : extra)
    if (auto text = read_file(file)) pem += *text + "\n";
  return pem;
}

}  // namespace sbx::image::detail
