// `sandbox load`: a docker-archive or oci-archive tarball (possibly
// compressed) read into a fresh staging dir, then the documents in it looked
// up as load does. The staging dir must hold only the numbered member files.
#include "fuzz_support.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/formats.hpp"
#include "sandbox/rootfs/archive_reader.hpp"
#include "sandbox/store/lookup.hpp"

namespace {

using namespace sbx;
namespace fs = std::filesystem;

struct Workspace {
  TempDir root;
  fuzz::InputFile archive;
};

Workspace& workspace() {
  static Workspace ws{fuzz::make_temp_dir("sbx-fuzz-archive-"), {}};
  return ws;
}

void look_up_docker_images(const rootfs::ArchiveContents& contents) {
  auto text = contents.read("manifest.json", image::kMaxManifestBytes);
  if (!text) return;
  auto images = images::parse_docker_archive_manifest(*text);
  if (!images) return;
  for (const images::DockerArchiveImage& entry : *images) {
    (void)contents.find(entry.config);
    for (const std::string& layer : entry.layers) (void)contents.find(layer);
    for (const std::string& tag : entry.repo_tags) (void)store::canonical_tag(tag);
  }
}

void look_up_oci_images(const rootfs::ArchiveContents& contents) {
  auto text = contents.read("index.json", image::kMaxManifestBytes);
  if (!text) return;
  auto index = image::parse_index(*text);
  if (!index) return;
  for (const image::Descriptor& entry : index->manifests) {
    (void)images::oci_entry_name(entry);
    auto blob = contents.blob(entry.digest, entry.size);
    if (blob) SBX_FUZZ_CHECK((*blob)->digest == entry.digest);
  }
}

void check_staging(const fs::path& staging, const rootfs::ArchiveContents& contents) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(staging)) {
    SBX_FUZZ_CHECK(entry.is_regular_file() && !entry.is_symlink());
    ++count;
  }
  SBX_FUZZ_CHECK(count == contents.files.size());
  for (const auto& [name, member] : contents.files) {
    SBX_FUZZ_CHECK(member.file.parent_path() == staging);
    SBX_FUZZ_CHECK(contents.find(name) == &member);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Workspace& ws = workspace();
  std::string archive(fuzz::as_text(data, size));
  fuzz::fix_tar_checksums(archive);
  ws.archive.write(archive);
  fs::path staging = ws.root.path() / "staging";
  SBX_FUZZ_CHECK(make_dirs(staging, 0700).has_value());
  auto contents = rootfs::read_image_archive(ws.archive.fd(), staging);
  if (contents) {
    check_staging(staging, *contents);
    look_up_docker_images(*contents);
    look_up_oci_images(*contents);
  }
  SBX_FUZZ_CHECK(remove_tree(staging).has_value());
  SBX_FUZZ_CHECK(fs::directory_iterator(ws.root.path()) == fs::directory_iterator());
  return 0;
}
