// `ps --filter KEY=VALUE`, docker's keys: name, id, status, ancestor, exited,
// label, before, since. The same key given twice matches either value; different
// keys must all match.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::cli {

class ContainerFilter {
 public:
  // Parses the --filter values; an unknown key or a value without '=' is an error.
  static Result<ContainerFilter> parse(const std::vector<std::string>& filters);

  // The containers (newest first, as listed) that pass; before/since name one
  // of `all`, else it is an error.
  Result<std::vector<containers::ContainerInfo>> apply(
      std::vector<containers::ContainerInfo> all) const;
  bool empty() const { return values_.empty(); }
  // status= or exited= show stopped containers without -a, as docker's do.
  bool shows_stopped() const { return values_.contains("status") || values_.contains("exited"); }

 private:
  bool matches(const containers::ContainerInfo& c, const std::string& before_created,
               const std::string& since_created) const;
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace sbx::cli
