// Replaced as the image module grows.
namespace sbx::image {}
