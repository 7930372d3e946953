// ADD's URLs: one GET streamed into a file and hashed on the way.
#include "sandbox/image/url_download.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "http.hpp"
#include "sandbox/base/files.hpp"

namespace sbx::image {

Result<UrlFile> download_url(const std::string& url, const std::filesystem::path& dest) {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return fail(Error(url + ": only http:// and https:// URLs can be downloaded", EINVAL));
  UniqueFd out = SBX_TRY(open_file(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  Sha256 hash;
  int write_errno = 0;
  detail::HttpRequest request;
  request.url = url;
  request.on_body = [&](const detail::HttpResponse&, std::string_view bytes) {
    hash.update(bytes);
    for (size_t done = 0; done < bytes.size();) {
      ssize_t n = ::write(out.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        write_errno = n < 0 ? errno : EIO;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  };
  detail::HttpOptions options;
  options.https_redirects_only = url.starts_with("https://");
  options.user_agent = "sandbox";
  detail::HttpResponse response = detail::http_get(request, options);
  if (write_errno != 0) return fail_errno("write", dest.native(), write_errno);
  if (response.curl_code != 0)
    return fail(Error("GET " + url + ": " + response.transport_message(), EIO));
  if (!response.ok())
    return fail(Error("GET " + url + ": HTTP status " + std::to_string(response.status), EIO));
  UrlFile file;
  file.size = hash.size();
  file.digest = hash.finish();
  return file;
}

std::string url_file_name(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "";
  std::string_view path = rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string_view name = path.substr(path.rfind('/') + 1);
  if (name == "." || name == "..") return "";
  return std::string(name);
}

}  // namespace sbx::image
