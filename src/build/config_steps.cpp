// Steps that only change the image config (ENV, LABEL, CMD, WORKDIR, ...)
// and ARG, which changes only what later steps see.
#include <ctime>
#include <nlohmann/json.hpp>

#include "build_state.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/images/commit.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::build {

namespace {

using nlohmann::json;

std::string json_array(const std::vector<std::string>& items) { return json(items).dump(); }

// "1m30s", "500ms", "10s" -> nanoseconds, as Go's time.ParseDuration.
Result<int64_t> parse_duration(std::string_view text) {
  int64_t total = 0;
  size_t i = 0;
  if (text.empty()) return fail(Error("empty duration", EINVAL));
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return fail(Error("bad duration '" + std::string(text) + "'", EINVAL));
    int64_t n = std::stoll(std::string(text.substr(start, i - start)));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = unit == "ns"   ? 1
                    : unit == "us" ? 1000
                    : unit == "ms" ? 1000000
                    : unit == "s"  ? 1000000000LL
                    : unit == "m"  ? 60000000000LL
                    : unit == "h"  ? 3600000000000LL
                                   : 0;
    if (scale == 0) return fail(Error("bad duration '" + std::string(text) + "'", EINVAL));
    total += n * scale;
  }
  return total;
}

Result<std::string> healthcheck_json(const images::Instruction& ins) {
  if (ins.args == "NONE" || ins.args == "none") return std::string(R"({"Test":["NONE"]})");
  std::string_view rest = ins.args;
  if (!rest.starts_with("CMD") && !rest.starts_with("cmd"))
    return fail(Error("HEALTHCHECK takes [OPTIONS] CMD command, or NONE", EINVAL));
  rest = trim(rest.substr(3));
  json doc;
  if (auto form = json::parse(rest, nullptr, false); form.is_array()) {
    std::vector<std::string> test{"CMD"};
    for (const auto& item : form) test.push_back(item.get<std::string>());
    doc["Test"] = test;
  } else {
    doc["Test"] = {"CMD-SHELL", std::string(rest)};
  }
  for (const auto& [key, value] : ins.flags) {
    if (key == "retries") {
      doc["Retries"] = std::stoi(value);
      continue;
    }
    const char* field = key == "interval"         ? "Interval"
                        : key == "timeout"        ? "Timeout"
                        : key == "start-period"   ? "StartPeriod"
                        : key == "start-interval" ? "StartInterval"
                                                  : nullptr;
    if (!field) return fail(Error("HEALTHCHECK: unknown flag --" + key, EINVAL));
    doc[field] = SBX_TRY(parse_duration(value));
  }
  return doc.dump();
}

// The command of CMD / ENTRYPOINT as a JSON array: exec form, or SHELL + text.
std::string command_json(const StageState& state, const images::Instruction& ins) {
  if (ins.exec_form) return json_array(*ins.exec_form);
  std::vector<std::string> argv = state.shell;
  argv.push_back(ins.args);
  return json_array(argv);
}

std::string join_workdir(const std::string& current, const std::string& path) {
  if (path.starts_with("/")) return path;
  std::string base = current.empty() ? "/" : current;
  if (!base.ends_with("/")) base += '/';
  return base + path;
}

// ARG NAME[=default]...: a --build-arg, else the default, else the global's value.
Status declare_args(const Build& build, StageState& state, const images::Instruction& ins) {
  auto vars = stage_variables(state);
  for (const std::string& word : SBX_TRY(images::split_words(ins.args, build.file.escape))) {
    size_t eq = word.find('=');
    std::string name = word.substr(0, eq);
    if (auto given = build.options.build_args.find(name); given != build.options.build_args.end())
      state.args[name] = given->second;
    else if (eq != std::string::npos)
      state.args[name] =
          SBX_TRY(images::expand_variables(word.substr(eq + 1), vars, build.file.escape));
    else if (auto global = build.global_args.find(name); global != build.global_args.end())
      state.args[name] = global->second;
  }
  return {};
}

// The config changes an instruction makes (expanded as the reference says).
Result<std::vector<images::ConfigChange>> changes_for(const Build& build, StageState& state,
                                                      const images::Instruction& ins) {
  const std::string& kw = ins.keyword;
  char escape = build.file.escape;
  auto vars = stage_variables(state);
  std::vector<images::ConfigChange> out;
  if (kw == "CMD" || kw == "ENTRYPOINT")
    return std::vector<images::ConfigChange>{{kw, command_json(state, ins)}};
  if (kw == "SHELL") {
    state.shell = *ins.exec_form;
    return std::vector<images::ConfigChange>{{kw, json_array(*ins.exec_form)}};
  }
  if (kw == "HEALTHCHECK") {
    std::string check = SBX_TRY(healthcheck_json(ins));  // not inside the braces: GCC 12 -O2
    return std::vector<images::ConfigChange>{{kw, check}};
  }
  if (kw == "ONBUILD") return std::vector<images::ConfigChange>{{kw, ins.args}};
  std::string text = SBX_TRY(images::expand_variables(ins.args, vars, escape));
  if (kw == "ENV" || kw == "LABEL") {
    for (auto& [key, value] : SBX_TRY(images::parse_key_values(text, kw == "ENV", escape)))
      out.push_back({kw, key + "=" + value});
  } else if (kw == "WORKDIR") {
    auto words = SBX_TRY(images::split_words(text, escape));
    out.push_back({kw, join_workdir(state.config.working_dir, words.empty() ? "" : words[0])});
  } else if (kw == "USER" || kw == "STOPSIGNAL" || kw == "EXPOSE" || kw == "VOLUME") {
    out.push_back({kw, text});
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> stage_variables(const StageState& state) {
  std::map<std::string, std::string> vars = state.args;
  for (const std::string& entry : state.config.env) {
    size_t eq = entry.find('=');
    vars[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
  }
  return vars;
}

Status enter_image(const Build& build, StageState& state, const image::Digest& id) {
  state.image = SBX_TRY(build.store.image(id));
  state.config = SBX_TRY(build.store.image_config(id));
  return {};
}

Result<StepResult> run_config_step(Build& build, StageState& state,
                                   const images::Instruction& ins) {
  if (ins.keyword == "ARG") {
    SBX_TRY(declare_args(build, state, ins));
    return StepResult{state.image.id, false, 0, {}};
  }
  images::CommitInfo info{store::format_rfc3339(static_cast<int64_t>(std::time(nullptr))),
                          state.config.author, "", ins.original};
  std::vector<images::ConfigChange> changes;
  if (ins.keyword == "MAINTAINER")
    info.author = ins.args;
  else
    changes = SBX_TRY(changes_for(build, state, ins));
  std::string key = ins.keyword + "\n" + info.author;
  for (const auto& change : changes) key += "\n" + change.instruction + " " + change.value;
  return cached_step(build, state, key, "", [&]() -> Result<StepResult> {
    image::Digest id =
        SBX_TRY(images::change_image_config(build.store, state.image, state.config, info, changes));
    return StepResult{id, false, 0, {}};
  });
}

}  // namespace sbx::build
