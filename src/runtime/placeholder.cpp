// Replaced as the runtime module grows.
namespace sbx::runtime {}
