#include "container_filter.hpp"

#include <algorithm>

#include "container_output.hpp"

namespace sbx::cli {
namespace {

using containers::ContainerInfo;

constexpr const char* kContainerKeys[] = {"name",   "id",    "status", "ancestor",
                                          "exited", "label", "before", "since"};

// docker's status= values; "removing" and "dead" never match here.
constexpr const char* kStatusWords[] = {"created", "restarting", "running", "removing",
                                        "paused",  "exited",     "dead"};

// ancestor=IMAGE: the name the container was run with (with or without a
// tag), or an image id prefix.
bool from_image(const ContainerInfo& c, const std::string& image) {
  std::string id = c.image_id.starts_with("sha256:") ? c.image_id.substr(7) : c.image_id;
  std::string wanted = image.starts_with("sha256:") ? image.substr(7) : image;
  return c.image == image || c.image == image + ":latest" ||
         (wanted.size() >= 4 && id.starts_with(wanted));
}

Result<std::string> created_of(const std::vector<ContainerInfo>& all, const std::string& name) {
  for (const auto& c : all)
    if (c.name == name || (name.size() >= 4 && c.id.starts_with(name))) return c.created_at;
  return fail("no such container: " + name);
}

}  // namespace

Result<ContainerFilter> ContainerFilter::parse(const std::vector<std::string>& filters) {
  ContainerFilter out;
  for (const std::string& filter : filters) {
    size_t eq = filter.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(Error("bad --filter \"" + filter + "\": want KEY=VALUE")
                      .with_hint("keys: name, id, status, ancestor, exited, label, before, since"));
    std::string key = filter.substr(0, eq);
    if (std::find(std::begin(kContainerKeys), std::end(kContainerKeys), key) ==
        std::end(kContainerKeys))
      return fail(Error("invalid filter '" + key + "'")
                      .with_hint("keys: name, id, status, ancestor, exited, label, before, since"));
    std::string value = filter.substr(eq + 1);
    if (key == "status" && std::ranges::find(kStatusWords, value) == std::end(kStatusWords))
      return fail(Error("invalid filter 'status=" + value + "'")
                      .with_hint("status: created, restarting, running, removing, paused, "
                                 "exited or dead"));
    if (key == "exited" && (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit)))
      return fail("invalid filter 'exited=" + value + "': want an exit code");
    out.values_[key].push_back(value);
  }
  return out;
}

// label=KEY or label=KEY=VALUE.
static bool has_label(const ContainerInfo& c, const std::string& term) {
  size_t eq = term.find('=');
  auto it = c.spec.labels.find(term.substr(0, eq));
  if (it == c.spec.labels.end()) return false;
  return eq == std::string::npos || it->second == term.substr(eq + 1);
}

bool ContainerFilter::matches(const ContainerInfo& c, const std::string& before_created,
                              const std::string& since_created) const {
  for (const auto& [key, values] : values_) {
    bool ok = true;
    if (key == "name")
      ok = std::ranges::any_of(values,
                               [&](const auto& v) { return c.name.find(v) != std::string::npos; });
    else if (key == "id")
      ok = std::ranges::any_of(values, [&](const auto& v) { return c.id.starts_with(v); });
    else if (key == "status")
      ok = std::ranges::any_of(values, [&](const auto& v) { return container_state(c) == v; });
    else if (key == "ancestor")
      ok = std::ranges::any_of(values, [&](const auto& v) { return from_image(c, v); });
    else if (key == "exited")
      ok = c.exit && std::ranges::any_of(values, [&](const auto& v) {
             return std::to_string(c.exit->exit_code) == v;
           });
    else if (key == "label")  // docker: every label= term must hold
      ok = std::ranges::all_of(values, [&](const auto& v) { return has_label(c, v); });
    else if (key == "before")
      ok = c.created_at < before_created;
    else if (key == "since")
      ok = c.created_at > since_created;
    if (!ok) return false;
  }
  return true;
}

Result<std::vector<ContainerInfo>> ContainerFilter::apply(std::vector<ContainerInfo> all) const {
  std::string before, since;
  if (auto it = values_.find("before"); it != values_.end())
    before = SBX_TRY(created_of(all, it->second.back()));
  if (auto it = values_.find("since"); it != values_.end())
    since = SBX_TRY(created_of(all, it->second.back()));
  std::vector<ContainerInfo> out;
  for (auto& c : all)
    if (matches(c, before, since)) out.push_back(std::move(c));
  return out;
}

}  // namespace sbx::cli
