// Extra CA certificates for one registry, found where docker and podman keep
// them (private to src/image).
#pragma once

#include <string>
#include <string_view>

namespace sbx::image::detail {

// PEM text to verify `host` (domain[:port]) with: the system bundle plus
// every *.crt in $XDG_CONFIG_HOME/containers/certs.d/<host>/,
// /etc/containers/certs.d/<host>/, /etc/docker/certs.d/<host>/ and the
// file named by $SSL_CERT_FILE. Empty when there is nothing extra (curl then
// uses the system bundle alone).
std::string registry_ca_bundle(std::string_view host);

}  // namespace sbx::image::detail
