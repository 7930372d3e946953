// Replaced as the store module grows.
namespace sbx::store {}
