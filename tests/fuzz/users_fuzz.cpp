// USER[:GROUP] (the first line: `--user`, the image's User) resolved against
// the image's own /etc/passwd and /etc/group (the rest of the input, used as
// both files).
#include "fuzz_support.hpp"
#include "sandbox/launch/users.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::launch;
  auto [user, files] = sbx::fuzz::split_first_line(sbx::fuzz::as_text(data, size));
  for (const PasswdEntry& entry : parse_passwd(files)) SBX_FUZZ_CHECK(!entry.name.empty());
  for (const GroupEntry& entry : parse_group(files)) SBX_FUZZ_CHECK(!entry.name.empty());
  auto resolved = resolve_user(user, files, files);
  if (resolved) SBX_FUZZ_CHECK(!resolved->home.empty());
  return 0;
}
