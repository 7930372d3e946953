// Registry authentication: WWW-Authenticate challenges and stored credentials
// (`sandbox login` writes podman's auth.json, in docker's config.json format;
// docker's ~/.docker/config.json is read too, with its credential helpers).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::image {

struct Challenge {
  std::string scheme;                         // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lower case: realm, service, scope, ...
  std::string param(std::string_view key) const;
};

// Parses a WWW-Authenticate header value (RFC 7235): one or more challenges,
// quoted strings with escapes and commas inside quotes.
Result<std::vector<Challenge>> parse_www_authenticate(std::string_view header);

struct Credentials {
  std::string username;
  std::string password;
  bool empty() const { return username.empty() && password.empty(); }
  friend bool operator==(const Credentials&, const Credentials&) = default;
};

std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);
// "Basic base64(user:pass)"
std::string basic_authorization(const Credentials& credentials);

// The files credentials live in, as podman and docker keep them; tests point
// them elsewhere.
struct AuthFiles {
  std::filesystem::path login_file;               // written by login/logout; read first
  std::vector<std::filesystem::path> read_files;  // then these, in order; never written
};
// podman's: $REGISTRY_AUTH_FILE alone when set; else login writes
// $XDG_RUNTIME_DIR/containers/auth.json ($XDG_CONFIG_HOME/containers/auth.json
// without a runtime dir), and lookups go on to $XDG_CONFIG_HOME/containers/auth.json,
// the file older sandbox versions wrote ($XDG_CONFIG_HOME/sandbox/auth.json) and
// docker's ~/.docker/config.json ($DOCKER_CONFIG/config.json).
Result<AuthFiles> default_auth_files();
// `--authfile FILE`: that file alone, read and written, as podman does.
AuthFiles auth_file_only(std::filesystem::path file);

// The key a registry domain is stored under: docker.io uses docker's
// "https://index.docker.io/v1/", others the domain itself.
std::string auth_key(std::string_view domain);

// Credentials for a registry domain from the first file that has them. In a
// file, a `credHelpers` entry for the registry runs docker-credential-<name>
// get; else an `auths` entry; else the file's `credsStore` helper, if installed.
// Keys match with or without scheme/path, and docker.io's aliases
// (index.docker.io, registry-1.docker.io, https://index.docker.io/v1/).
Result<std::optional<Credentials>> lookup_credentials(std::string_view domain,
                                                      const AuthFiles& files);
// Adds or replaces the entry in the login file (mode 0600, written
// atomically; other entries and keys are kept).
Status store_credentials(std::string_view domain, const Credentials& credentials,
                         const AuthFiles& files);
// Removes the entry from the login file; false when there was none. Never
// edits a read-only file: credentials found only there are an error naming it.
Result<bool> remove_credentials(std::string_view domain, const AuthFiles& files);

}  // namespace sbx::image
