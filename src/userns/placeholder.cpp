// Replaced as the userns module grows.
namespace sbx::userns {}
