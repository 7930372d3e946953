// Stub until the client lands.
#include "sandbox/image/registry_client.hpp"

namespace sbx::image {

const std::vector<std::string>& default_manifest_accept() {
  static const std::vector<std::string> kAccept = {
      std::string(media_type::kOciIndex), std::string(media_type::kDockerManifestList),
      std::string(media_type::kOciManifest), std::string(media_type::kDockerManifest)};
  return kAccept;
}

struct RegistryClient::Impl {
  Reference reference;
  std::string base_url;
};

RegistryClient::RegistryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryClient::RegistryClient(RegistryClient&&) noexcept = default;
RegistryClient& RegistryClient::operator=(RegistryClient&&) noexcept = default;
RegistryClient::~RegistryClient() = default;

Result<RegistryClient> RegistryClient::create(const Reference&, RegistryOptions) {
  return fail("registry client not implemented yet");
}
Result<FetchedManifest> RegistryClient::fetch_manifest(std::string_view,
                                                       const std::vector<std::string>&) const {
  return fail("registry client not implemented yet");
}
Result<std::string> RegistryClient::fetch_blob_bytes(const Descriptor&, size_t) const {
  return fail("registry client not implemented yet");
}
Status RegistryClient::fetch_blob(const Descriptor&, const std::filesystem::path&,
                                  ProgressFn) const {
  return fail("registry client not implemented yet");
}
const std::string& RegistryClient::base_url() const { return impl_->base_url; }
const Reference& RegistryClient::reference() const { return impl_->reference; }
Status login(std::string_view, const Credentials&, const RegistryOptions&) {
  return fail("login not implemented yet");
}
Status logout(std::string_view, const RegistryOptions&) { return fail("not implemented yet"); }

}  // namespace sbx::image
