// Stored registry credentials in docker's config.json format:
// {"auths": {"<host>": {"auth": "base64(user:pass)"}}}.
#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/image/auth.hpp"
#include "sandbox/image/reference.hpp"

namespace sbx::image {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The file as JSON; an absent file is an empty object.
Result<json> load_auth_file(const fs::path& path) {
  if (path.empty() || !path_exists(path)) return json::object();
  std::string text = SBX_TRY(read_file(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return fail("credentials file " + path.string() + " is not a JSON object");
  if (doc.contains("auths") && !doc["auths"].is_object())
    return fail("credentials file " + path.string() + ": 'auths' is not an object");
  return doc;
}

Result<std::optional<Credentials>> decode_entry(const json& entry, const fs::path& path,
                                                const std::string& key) {
  if (!entry.is_object()) return std::optional<Credentials>();
  auto where = "credentials for '" + key + "' in " + path.string();
  if (auto auth = entry.find("auth");
      auth != entry.end() && auth->is_string() && !auth->get_ref<const std::string&>().empty()) {
    std::string plain = SBX_TRY_CTX(base64_decode(auth->get<std::string>()), where);
    size_t colon = plain.find(':');
    if (colon == std::string::npos) return fail(where + ": 'auth' is not base64(user:password)");
    return std::optional(Credentials{plain.substr(0, colon), plain.substr(colon + 1)});
  }
  auto user = entry.find("username");
  auto pass = entry.find("password");
  if (user != entry.end() && pass != entry.end() && user->is_string() && pass->is_string())
    return std::optional(Credentials{user->get<std::string>(), pass->get<std::string>()});
  return std::optional<Credentials>();  // e.g. a credsStore placeholder
}

Result<std::optional<Credentials>> lookup_in(const fs::path& path, const std::string& domain) {
  json doc = SBX_TRY(load_auth_file(path));
  if (!doc.contains("auths")) return std::optional<Credentials>();
  for (const auto& [key, entry] : doc["auths"].items()) {
    if (normalize_registry_host(key) != domain) continue;
    auto found = SBX_TRY(decode_entry(entry, path, key));
    if (found) return found;
  }
  return std::optional<Credentials>();
}

// Drops every key naming `domain` (docker.io has several spellings).
bool erase_entries(json& auths, const std::string& domain) {
  bool erased = false;
  for (auto it = auths.begin(); it != auths.end();) {
    if (normalize_registry_host(it.key()) == domain) {
      it = auths.erase(it);
      erased = true;
    } else {
      ++it;
    }
  }
  return erased;
}

Status save_auth_file(const fs::path& path, const json& doc) {
  SBX_TRY(make_dirs(path.parent_path(), 0700));
  return write_file_atomic(path, doc.dump(1, '\t') + "\n", 0600);
}

}  // namespace

Result<AuthFiles> default_auth_files() {
  AuthFiles files;
  fs::path home = SBX_TRY(home_dir());
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  fs::path config = (xdg && *xdg && xdg[0] == '/') ? fs::path(xdg) : home / ".config";
  files.sandbox_file = config / "sandbox" / "auth.json";
  const char* docker = std::getenv("DOCKER_CONFIG");
  files.docker_file =
      (docker && *docker) ? fs::path(docker) / "config.json" : home / ".docker" / "config.json";
  return files;
}

std::string auth_key(std::string_view domain) {
  std::string host = normalize_registry_host(domain);
  if (host == kDefaultDomain) return "https://index.docker.io/v1/";
  return host;
}

Result<std::optional<Credentials>> lookup_credentials(std::string_view domain,
                                                      const AuthFiles& files) {
  std::string host = normalize_registry_host(domain);
  auto found = SBX_TRY(lookup_in(files.sandbox_file, host));
  if (found) return found;
  return lookup_in(files.docker_file, host);
}

Status store_credentials(std::string_view domain, const Credentials& credentials,
                         const AuthFiles& files) {
  std::string host = normalize_registry_host(domain);
  json doc = SBX_TRY(load_auth_file(files.sandbox_file));
  if (!doc.contains("auths")) doc["auths"] = json::object();
  erase_entries(doc["auths"], host);
  doc["auths"][auth_key(host)] =
      json{{"auth", base64_encode(credentials.username + ":" + credentials.password)}};
  return with_context(save_auth_file(files.sandbox_file, doc), "save credentials");
}

Result<bool> remove_credentials(std::string_view domain, const AuthFiles& files) {
  std::string host = normalize_registry_host(domain);
  json doc = SBX_TRY(load_auth_file(files.sandbox_file));
  if (!doc.contains("auths") || !erase_entries(doc["auths"], host)) return false;
  SBX_TRY_CTX(save_auth_file(files.sandbox_file, doc), "save credentials");
  return true;
}

}  // namespace sbx::image
