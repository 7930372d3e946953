// Replaced as the cgroup module grows.
namespace sbx::cgroup {}
