// Builds layer tarballs for tests with libarchive's writer.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sbx::rootfs::testing {

enum class Compression { kNone, kGzip, kZstd };

class LayerBuilder {
 public:
  struct Entry {
    std::string name;
    mode_t type = AE_IFREG;
    mode_t perm = 0644;
    std::string data;
    std::string symlink;
    std::string hardlink;
    int64_t uid = 0;
    int64_t gid = 0;
    dev_t rdev = 0;
    time_t mtime = 1700000000;
    std::vector<std::pair<std::string, std::string>> xattrs;
  };

  LayerBuilder& file(std::string name, std::string data = "", mode_t perm = 0644) {
    entries_.push_back({.name = std::move(name), .perm = perm, .data = std::move(data)});
    return *this;
  }
  LayerBuilder& dir(std::string name, mode_t perm = 0755) {
    entries_.push_back({.name = std::move(name), .type = AE_IFDIR, .perm = perm});
    return *this;
  }
  LayerBuilder& symlink(std::string name, std::string target) {
    entries_.push_back(
        {.name = std::move(name), .type = AE_IFLNK, .perm = 0777, .symlink = std::move(target)});
    return *this;
  }
  LayerBuilder& hardlink(std::string name, std::string target) {
    entries_.push_back({.name = std::move(name), .hardlink = std::move(target)});
    return *this;
  }
  LayerBuilder& fifo(std::string name) {
    entries_.push_back({.name = std::move(name), .type = AE_IFIFO, .perm = 0600});
    return *this;
  }
  LayerBuilder& chardev(std::string name, unsigned major_number, unsigned minor_number) {
    entries_.push_back({.name = std::move(name),
                        .type = AE_IFCHR,
                        .perm = 0666,
                        .rdev = makedev(major_number, minor_number)});
    return *this;
  }
  // Changes the last entry.
  LayerBuilder& owner(int64_t uid, int64_t gid) {
    entries_.back().uid = uid;
    entries_.back().gid = gid;
    return *this;
  }
  LayerBuilder& mtime(time_t seconds) {
    entries_.back().mtime = seconds;
    return *this;
  }
  LayerBuilder& xattr(std::string name, std::string value) {
    entries_.back().xattrs.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  std::filesystem::path write(const std::filesystem::path& path,
                              Compression compression = Compression::kNone) const {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (compression == Compression::kGzip) archive_write_add_filter_gzip(a);
    if (compression == Compression::kZstd) archive_write_add_filter_zstd(a);
    check(a, archive_write_open_filename(a, path.c_str()));
    for (const Entry& e : entries_) {
      archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, e.name.c_str());
      archive_entry_set_uid(entry, e.uid);
      archive_entry_set_gid(entry, e.gid);
      archive_entry_set_mtime(entry, e.mtime, 0);
      if (!e.hardlink.empty()) {
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_hardlink(entry, e.hardlink.c_str());
        archive_entry_set_size(entry, 0);
      } else {
        archive_entry_set_filetype(entry, e.type);
        archive_entry_set_perm(entry, e.perm);
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
        if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.symlink.c_str());
        if (e.type == AE_IFCHR || e.type == AE_IFBLK) archive_entry_set_rdev(entry, e.rdev);
      }
      for (const auto& [name, value] : e.xattrs)
        archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), value.size());
      check(a, archive_write_header(a, entry));
      if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
      archive_entry_free(entry);
    }
    check(a, archive_write_close(a));
    archive_write_free(a);
    return path;
  }

 private:
  static void check(archive* a, int status) {
    if (status < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a));
  }
  std::vector<Entry> entries_;
};

}  // namespace sbx::rootfs::testing
