// `--format` Go templates (ps, images, inspect -f): parsed and run over a
// docker-shaped document, as a template and as the rows of a table.
#include "fuzz_support.hpp"
#include "go_template.hpp"

namespace {

const nlohmann::json& document() {
  static const nlohmann::json doc = nlohmann::json::parse(R"({
    "Id": "4f2a", "Name": "/web", "Names": ["web"], "Ratio": 0.5, "Size": 1048576,
    "State": {"Status": "running", "Running": true, "ExitCode": 0, "Health": null},
    "Config": {"Env": ["A=1", "B=2"], "Labels": {"a": "x", "b": "y"}, "Entrypoint": null},
    "Mounts": [{"Type": "bind", "Source": "/s", "Destination": "/d", "RW": true}]
  })");
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string format(sbx::fuzz::as_text(data, size));
  auto once = sbx::cli::render_template(format, document());
  auto again = sbx::cli::render_template(format, document());
  // Rendering is a pure function of the template and the document.
  SBX_FUZZ_CHECK(once.has_value() == again.has_value());
  if (once) SBX_FUZZ_CHECK(*once == *again);
  if (!once) SBX_FUZZ_CHECK(!once.error().message().empty() && !once.error().hint().empty());
  auto rows = sbx::cli::render_rows(format, {document(), document()}, {{"Id", "ID"}});
  bool plain = !format.starts_with("table") && format.find('\\') == std::string::npos &&
               (format.empty() || (format.front() != ' ' && format.back() != ' '));
  if (plain) {
    // Without table, escapes or spaces to trim: the template once per row, each ending in "\n".
    SBX_FUZZ_CHECK(rows.has_value() == once.has_value());
    if (rows) SBX_FUZZ_CHECK(*rows == *once + "\n" + *once + "\n");
  }
  return 0;
}
