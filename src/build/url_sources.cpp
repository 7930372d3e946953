// ADD https://...: one GET per URL into a private staging dir.
#include "url_sources.hpp"

#include <fcntl.h>

#include "sandbox/base/files.hpp"
#include "sandbox/image/url_download.hpp"

namespace sbx::build {

bool is_url_source(const std::string& source) {
  return source.starts_with("http://") || source.starts_with("https://");
}

Result<std::vector<ContextEntry>> download_url_sources(std::vector<std::string>& sources,
                                                       const std::string& dest, bool dest_is_dir,
                                                       const std::optional<std::string>& checksum,
                                                       const std::filesystem::path& dir) {
  std::vector<ContextEntry> out;
  std::vector<std::string> rest;
  for (const std::string& source : sources) {
    if (!is_url_source(source)) {
      rest.push_back(source);
      continue;
    }
    std::string name = image::url_file_name(source);
    if (name.empty() && dest_is_dir)
      return fail(Error("ADD " + source + ": the URL names no file", EINVAL)
                      .with_hint("give a destination file name, not a directory"));
    auto slot = dir / ("url-" + std::to_string(out.size()));
    SBX_TRY(make_dirs(slot, 0700));
    std::string base = name.empty() ? "download" : name;
    image::UrlFile file = SBX_TRY_CTX(image::download_url(source, slot / base), "ADD " + source);
    if (checksum && *checksum != file.digest.str())
      return fail(Error("ADD " + source + ": --checksum=" + *checksum + " but the download is " +
                            file.digest.str(),
                        EINVAL));
    ContextEntry entry;
    entry.name = dest_is_dir ? (dest.empty() ? base : dest + "/" + base) : dest;
    entry.dir =
        std::make_shared<UniqueFd>(SBX_TRY(open_file(slot, O_PATH | O_DIRECTORY | O_CLOEXEC)));
    entry.base = base;
    if (::fstatat(entry.dir->get(), base.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat", (slot / base).native());
    out.push_back(std::move(entry));
  }
  if (checksum && out.empty())
    return fail(Error("ADD --checksum is for http(s) sources only", EINVAL));
  sources = std::move(rest);
  return out;
}

}  // namespace sbx::build
