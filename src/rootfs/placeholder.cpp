// Replaced as the rootfs module grows.
namespace sbx::rootfs {}
