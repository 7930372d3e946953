// Replaced as the net module grows.
namespace sbx::net {}
