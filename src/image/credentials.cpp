// Stored registry credentials in docker's config.json format, as podman and
// docker keep them: {"auths": {"<host>": {"auth": "base64(user:pass)"}},
// "credHelpers": {"<host>": "<helper>"}, "credsStore": "<helper>"}.
#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"
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

// docker-credential-<helper> get: the server URL on stdin, JSON on stdout.
// `required` false (a file-wide credsStore) lets a missing helper mean "none".
Result<std::optional<Credentials>> ask_helper(const std::string& helper, const std::string& host,
                                              const fs::path& path, bool required) {
  if (helper.empty() || helper.find_first_of("/\0") != std::string::npos || helper[0] == '.')
    return fail("credential helper name \"" + helper + "\" in " + path.string() +
                " is not a program name");
  std::string program = "docker-credential-" + helper;
  auto where = "credential helper " + program + " (named in " + path.string() + ")";
  if (!find_program(program)) {
    if (!required) return std::optional<Credentials>();
    return fail(Error("credential helper " + program + " is not installed (" + path.string() +
                      " names it for " + host + ")")
                    .with_hint("install it, or remove the credHelpers entry for " + host));
  }
  CommandOptions options;
  options.stdin_data = auth_key(host);
  CommandResult result = SBX_TRY_CTX(run_command({program, "get"}, options), where);
  if (!result.succeeded()) {
    // Every helper says "credentials not found" when it has none for the server.
    if (result.out.find("not found") != std::string::npos ||
        result.err.find("not found") != std::string::npos)
      return std::optional<Credentials>();
    return fail(where + " failed: " + describe_wait_status(result.wait_status) + ": " +
                std::string(trim(result.err.empty() ? result.out : result.err)));
  }
  json reply = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object() || !reply.contains("Username") || !reply["Username"].is_string() ||
      !reply.contains("Secret") || !reply["Secret"].is_string())
    return fail(where + " printed no JSON with Username and Secret");
  return std::optional(
      Credentials{reply["Username"].get<std::string>(), reply["Secret"].get<std::string>()});
}

// The value of the first key of `table` that names `domain`, or null.
const json* entry_for(const json& doc, const char* table, const std::string& domain,
                      std::string* key_out = nullptr) {
  auto it = doc.find(table);
  if (it == doc.end() || !it->is_object()) return nullptr;
  for (const auto& [key, entry] : it->items()) {
    if (normalize_registry_host(key) != domain) continue;
    if (key_out) *key_out = key;
    return &entry;
  }
  return nullptr;
}

Result<std::optional<Credentials>> lookup_in(const fs::path& path, const std::string& domain) {
  json doc = SBX_TRY(load_auth_file(path));
  if (const json* helper = entry_for(doc, "credHelpers", domain); helper && helper->is_string())
    return ask_helper(helper->get<std::string>(), domain, path, /*required=*/true);
  std::string key;
  if (const json* entry = entry_for(doc, "auths", domain, &key)) {
    auto found = SBX_TRY(decode_entry(*entry, path, key));
    if (found) return found;
  }
  if (auto store = doc.find("credsStore"); store != doc.end() && store->is_string())
    return ask_helper(store->get<std::string>(), domain, path, /*required=*/false);
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
  if (const char* only = std::getenv("REGISTRY_AUTH_FILE"); only && *only)
    return auth_file_only(only);
  AuthFiles files;
  fs::path home = SBX_TRY(home_dir());
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  fs::path config = (xdg && *xdg && xdg[0] == '/') ? fs::path(xdg) : home / ".config";
  fs::path containers_config = config / "containers" / "auth.json";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && runtime[0] == '/') {
    files.login_file = fs::path(runtime) / "containers" / "auth.json";
    files.read_files.push_back(containers_config);
  } else {
    files.login_file = containers_config;
  }
  files.read_files.push_back(config / "sandbox" / "auth.json");
  const char* docker = std::getenv("DOCKER_CONFIG");
  files.read_files.push_back((docker && *docker) ? fs::path(docker) / "config.json"
                                                 : home / ".docker" / "config.json");
  return files;
}

AuthFiles auth_file_only(fs::path file) { return AuthFiles{std::move(file), {}}; }

std::string auth_key(std::string_view domain) {
  std::string host = normalize_registry_host(domain);
  if (host == kDefaultDomain) return "https://index.docker.io/v1/";
  return host;
}

Result<std::optional<Credentials>> lookup_credentials(std::string_view domain,
                                                      const AuthFiles& files) {
  std::string host = normalize_registry_host(domain);
  auto found = SBX_TRY(lookup_in(files.login_file, host));
  for (const fs::path& path : files.read_files) {
    if (found) break;
    found = SBX_TRY(lookup_in(path, host));
  }
  return found;
}

Status store_credentials(std::string_view domain, const Credentials& credentials,
                         const AuthFiles& files) {
  std::string host = normalize_registry_host(domain);
  json doc = SBX_TRY(load_auth_file(files.login_file));
  if (!doc.contains("auths")) doc["auths"] = json::object();
  erase_entries(doc["auths"], host);
  doc["auths"][auth_key(host)] =
      json{{"auth", base64_encode(credentials.username + ":" + credentials.password)}};
  return with_context(save_auth_file(files.login_file, doc), "save credentials");
}

Result<bool> remove_credentials(std::string_view domain, const AuthFiles& files) {
  std::string host = normalize_registry_host(domain);
  json doc = SBX_TRY(load_auth_file(files.login_file));
  if (doc.contains("auths") && erase_entries(doc["auths"], host)) {
    SBX_TRY_CTX(save_auth_file(files.login_file, doc), "save credentials");
    return true;
  }
  for (const fs::path& path : files.read_files) {
    json other = SBX_TRY(load_auth_file(path));
    if (entry_for(other, "auths", host) || entry_for(other, "credHelpers", host))
      return fail(Error("the credentials for " + host + " are in " + path.string() +
                        ", which sandbox only reads")
                      .with_hint("log out with the tool that wrote it, or edit that file"));
  }
  return false;
}

}  // namespace sbx::image
