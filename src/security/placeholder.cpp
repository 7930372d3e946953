// Replaced as the security module grows.
namespace sbx::security {}
