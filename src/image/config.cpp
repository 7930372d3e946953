// Image config parser (OCI image-spec config.md; Docker's image JSON).
#include "json_fields.hpp"
#include "sandbox/image/manifest.hpp"

namespace sbx::image {
namespace {

using detail::json;

Status parse_container_config(const json& doc, ImageConfig& c) {
  auto it = doc.find("config");
  if (it == doc.end() || it->is_null()) return {};
  if (!it->is_object()) return fail("field 'config' must be an object");
  const json& cc = *it;
  SBX_TRY(detail::read_string(cc, "User", c.user));
  SBX_TRY(detail::read_string_list(cc, "Env", c.env));
  SBX_TRY(detail::read_string_list(cc, "Entrypoint", c.entrypoint));
  SBX_TRY(detail::read_string_list(cc, "Cmd", c.cmd));
  SBX_TRY(detail::read_string(cc, "WorkingDir", c.working_dir));
  SBX_TRY(detail::read_string(cc, "StopSignal", c.stop_signal));
  SBX_TRY(detail::read_key_list(cc, "ExposedPorts", c.exposed_ports));
  SBX_TRY(detail::read_key_list(cc, "Volumes", c.volumes));
  SBX_TRY(detail::read_string_map(cc, "Labels", c.labels));
  return {};
}

Status parse_rootfs(const json& doc, ImageConfig& c) {
  auto it = doc.find("rootfs");
  if (it == doc.end() || !it->is_object()) return fail("missing object 'rootfs'");
  std::string type;
  SBX_TRY(detail::read_string(*it, "type", type, true));
  if (type != "layers") return fail("unsupported rootfs type '" + type + "'");
  std::vector<std::string> diff_ids;
  auto ids = it->find("diff_ids");
  if (ids == it->end() || !ids->is_array()) return fail("field 'diff_ids' must be an array");
  SBX_TRY(detail::read_string_list(*it, "diff_ids", diff_ids));
  for (const auto& id : diff_ids) c.diff_ids.push_back(SBX_TRY_CTX(Digest::parse(id), "diff_ids"));
  return {};
}

Status parse_history(const json& doc, ImageConfig& c) {
  auto it = doc.find("history");
  if (it == doc.end() || it->is_null()) return {};
  if (!it->is_array()) return fail("field 'history' must be an array");
  for (const json& item : *it) {
    if (!item.is_object()) return fail("history entries must be objects");
    HistoryEntry h;
    SBX_TRY(detail::read_string(item, "created", h.created));
    SBX_TRY(detail::read_string(item, "created_by", h.created_by));
    SBX_TRY(detail::read_string(item, "author", h.author));
    SBX_TRY(detail::read_string(item, "comment", h.comment));
    SBX_TRY(detail::read_bool(item, "empty_layer", h.empty_layer));
    c.history.push_back(std::move(h));
  }
  return {};
}

Result<ImageConfig> parse_config_doc(const json& doc) {
  ImageConfig c;
  SBX_TRY(detail::read_string(doc, "architecture", c.architecture));
  SBX_TRY(detail::read_string(doc, "os", c.os));
  SBX_TRY(detail::read_string(doc, "variant", c.variant));
  SBX_TRY(detail::read_string(doc, "created", c.created));
  SBX_TRY(detail::read_string(doc, "author", c.author));
  SBX_TRY(parse_container_config(doc, c));
  SBX_TRY(parse_rootfs(doc, c));
  SBX_TRY(parse_history(doc, c));
  return c;
}

}  // namespace

Result<ImageConfig> parse_config(std::string_view body) {
  auto doc = SBX_TRY_CTX(detail::parse_json_document(body, kMaxConfigBytes, "image config"),
                         "parse image config");
  auto config = SBX_TRY(with_context(parse_config_doc(doc), "parse image config"));
  config.raw_json = body;
  return config;
}

}  // namespace sbx::image
