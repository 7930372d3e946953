// One file over HTTP(S) (ADD of a URL in `sandbox build`), through the same
// libcurl client as the registries.
#pragma once

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"

namespace sbx::image {

struct UrlFile {
  Digest digest;  // sha256 of the bytes
  uint64_t size = 0;
};

// GETs `url` (http or https; redirects from https stay on https) into the new
// file `dest`. A status other than 2xx is an error naming the URL and status.
Result<UrlFile> download_url(const std::string& url, const std::filesystem::path& dest);

// The file name ADD gives a URL's download: the last element of its path
// ("https://h/a/b.tar.gz?x=1" -> "b.tar.gz"); empty when it has none.
std::string url_file_name(std::string_view url);

}  // namespace sbx::image
