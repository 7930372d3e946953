// Credential files: $XDG_CONFIG_HOME/sandbox/auth.json and docker's
// ~/.docker/config.json, which other tools write. Looking up, storing and
// removing must never crash, and what was stored must be found again.
#include <filesystem>

#include "fuzz_support.hpp"
#include "sandbox/image/auth.hpp"

namespace {

using namespace sbx;

struct Workspace {
  TempDir dir;
  fuzz::InputFile docker_file;
};

Workspace& workspace() {
  static Workspace ws{fuzz::make_temp_dir("sbx-fuzz-auth-"), {}};
  return ws;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Workspace& ws = workspace();
  image::AuthFiles files{ws.dir.path() / "auth.json", {ws.docker_file.path()}};
  SBX_FUZZ_CHECK(write_file_atomic(files.login_file, text, 0600).has_value());
  ws.docker_file.write(text);

  for (std::string_view domain : {"docker.io", "localhost:5000", "quay.io"})
    (void)image::lookup_credentials(domain, files);
  const image::Credentials stored{"fuzz", "pa:ss"};
  if (image::store_credentials("quay.io", stored, files)) {
    auto found = image::lookup_credentials("quay.io", files);
    SBX_FUZZ_CHECK(found && *found && **found == stored);
    auto removed = image::remove_credentials("quay.io", files);
    SBX_FUZZ_CHECK(removed && *removed);
  }
  return 0;
}
