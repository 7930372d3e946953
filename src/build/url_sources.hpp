// ADD's http(s) sources: downloaded (through the image module's libcurl
// client) into files that are copied like context files, mode 0600 as docker
// gives them; never unpacked, even when they are archives.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "context_files.hpp"

namespace sbx::build {

bool is_url_source(const std::string& source);

// Takes the URLs out of `sources` and downloads each into `dir`; the entries
// are named `dest`/NAME (NAME from the URL's path) when `dest_is_dir`, else
// `dest`. `checksum` ("sha256:HEX", ADD --checksum) must match every download.
Result<std::vector<ContextEntry>> download_url_sources(std::vector<std::string>& sources,
                                                       const std::string& dest, bool dest_is_dir,
                                                       const std::optional<std::string>& checksum,
                                                       const std::filesystem::path& dir);

}  // namespace sbx::build
