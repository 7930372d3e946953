// `sandbox login, logout`: credentials for a registry, kept by the image
// module where podman keeps them ($XDG_RUNTIME_DIR/containers/auth.json,
// mode 0600), or in --authfile / $REGISTRY_AUTH_FILE.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli.hpp"
#include "sandbox/image/registry_client.hpp"

namespace sbx::cli {
namespace {

struct LoginFlags {
  std::string host;
  std::string username;
  std::string password;
  std::string authfile;
  bool password_stdin = false;
  bool tls_verify = true;
};

std::string strip_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Reads a line from the terminal; `echo` false hides what is typed.
Result<std::string> prompt(const char* label, bool echo) {
  if (!::isatty(STDIN_FILENO))
    return fail(Error(std::string("no ") + label + " given and stdin is not a terminal")
                    .with_hint("pass -u USER and --password-stdin (or -p PASS)"));
  std::fprintf(stderr, "%s: ", label);
  std::fflush(stderr);
  termios saved{};
  bool hidden = !echo && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hidden) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (hidden) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!got) return fail(std::string("no ") + label + " given");
  return strip_newlines(line);
}

// --authfile, else podman's and docker's files (REGISTRY_AUTH_FILE honoured).
Result<image::AuthFiles> auth_files(const std::string& authfile) {
  if (!authfile.empty()) return image::auth_file_only(authfile);
  return image::default_auth_files();
}

CommandResult run_login(const LoginFlags& flags) {
  if (flags.password_stdin && !flags.password.empty())
    return fail("--password and --password-stdin are mutually exclusive");
  image::Credentials credentials{flags.username, flags.password};
  if (flags.password_stdin) {
    if (credentials.username.empty())
      return fail(Error("--password-stdin needs a username").with_hint("add -u USER"));
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    credentials.password = strip_newlines(std::move(all));
  } else if (!flags.password.empty()) {
    std::fprintf(stderr,
                 "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  if (credentials.username.empty()) credentials.username = SBX_TRY(prompt("Username", true));
  if (credentials.password.empty()) credentials.password = SBX_TRY(prompt("Password", false));
  if (credentials.username.empty()) return fail("login: the username is empty");
  image::RegistryOptions options;
  options.tls_verify = flags.tls_verify;
  options.auth_files = SBX_TRY(auth_files(flags.authfile));
  SBX_TRY(image::login(flags.host.empty() ? "docker.io" : flags.host, credentials, options));
  std::printf("Login Succeeded\n");
  std::fprintf(stderr, "credentials saved in %s\n", options.auth_files->login_file.c_str());
  return 0;
}

}  // namespace

void register_login_commands(Registry& registry) {
  auto login = std::make_shared<LoginFlags>();
  CLI::App* cmd = registry.add("login", "Log in to a registry",
                               [login]() -> CommandResult { return run_login(*login); });
  cmd->add_option("-u,--username", login->username, "Username");
  cmd->add_option("-p,--password", login->password, "Password (prefer --password-stdin)");
  cmd->add_flag("--password-stdin", login->password_stdin, "Read the password from stdin");
  cmd->add_option("--authfile", login->authfile,
                  "Save the credentials in this file (default: podman's auth.json)");
  cmd->add_flag("--tls-verify", login->tls_verify,
                "Require HTTPS with a verified certificate (--tls-verify=false allows HTTP)");
  cmd->add_option("server", login->host, "Registry host (docker.io when omitted)");

  auto logout_host = std::make_shared<std::string>();
  auto logout_authfile = std::make_shared<std::string>();
  CLI::App* out = registry.add(
      "logout", "Log out from a registry", [logout_host, logout_authfile]() -> CommandResult {
        std::string host = logout_host->empty() ? "docker.io" : *logout_host;
        image::RegistryOptions options;
        options.auth_files = SBX_TRY(auth_files(*logout_authfile));
        SBX_TRY(image::logout(host, options));
        std::printf("Removing login credentials for %s\n",
                    image::normalize_registry_host(host).c_str());
        return 0;
      });
  out->add_option("--authfile", *logout_authfile,
                  "Remove the credentials from this file (default: podman's auth.json)");
  out->add_option("server", *logout_host, "Registry host (docker.io when omitted)");
}

}  // namespace sbx::cli
