// `sandbox push` (and `image push`): an image from the store to a registry.
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "progress.hpp"
#include "sandbox/images/push.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::cli {
namespace {

struct PushFlags {
  std::string source;
  std::string destination;
  std::string authfile;
  std::string format;
  std::string compression;
  std::string digestfile;
  uint64_t chunk_size = 0;
  int jobs = 3;
  bool quiet = false;
  bool tls_verify = true;
  bool disable_compression = false;
};

Result<images::PushOptions> push_options(const PushFlags& flags) {
  images::PushOptions options;
  options.tls_verify = flags.tls_verify;
  if (!flags.authfile.empty()) options.auth_file = flags.authfile;
  if (!flags.format.empty()) options.format = SBX_TRY(images::parse_manifest_format(flags.format));
  if (!flags.compression.empty())
    options.compression = SBX_TRY(images::parse_compression(flags.compression));
  if (options.compression && flags.disable_compression)
    return fail("--compression-format and --disable-compression exclude each other");
  options.disable_compression = flags.disable_compression;
  if (flags.jobs < 1) return fail("--jobs must be at least 1");
  options.jobs = flags.jobs;
  options.chunk_size = flags.chunk_size;
  return options;
}

CommandResult run_push(const GlobalOptions& globals, const PushFlags& flags) {
  images::PushOptions options = SBX_TRY(push_options(flags));
  store::Store store = SBX_TRY(store::Store::open(globals.root));
  PullProgress progress(progress_style_for_stdout(flags.quiet), stdout, stderr);
  images::PushResult result =
      SBX_TRY(images::push_image(store, flags.source, flags.destination, options, progress));
  progress.finish();
  if (!flags.digestfile.empty()) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(flags.digestfile.c_str(), "w"),
                                                        std::fclose);
    if (!out) return fail_errno("open", flags.digestfile);
    std::fprintf(out.get(), "%s", result.digest.str().c_str());
  }
  if (!flags.quiet)
    std::printf("%s: digest: %s\n", result.destination.c_str(), result.digest.str().c_str());
  return 0;
}

void add_push(Registry& registry, const std::string& path) {
  auto flags = std::make_shared<PushFlags>();
  CLI::App* cmd = registry.add(path, "Push an image to a registry",
                               [&globals = registry.globals(), flags] -> CommandResult {
                                 return run_push(globals, *flags);
                               });
  cmd->add_flag("-q,--quiet", flags->quiet, "print nothing but errors");
  cmd->add_flag("--tls-verify", flags->tls_verify,
                "verify TLS; =false also allows plain HTTP to remote registries");
  cmd->add_option("--authfile", flags->authfile, "read credentials from this auth file");
  cmd->add_option("-f,--format", flags->format,
                  "manifest format: oci or v2s2 (default: as stored)");
  cmd->add_option("--compression-format", flags->compression,
                  "gzip or zstd: layers stored otherwise are recompressed (default: as "
                  "stored, uncompressed ones gzipped)");
  cmd->add_flag("--disable-compression", flags->disable_compression,
                "send uncompressed layers uncompressed (default: gzip them)");
  cmd->add_option("--digestfile", flags->digestfile, "write the manifest digest to this file");
  cmd->add_option("--jobs", flags->jobs, "parallel blob uploads (default 3)");
  cmd->add_option("--chunk-size", flags->chunk_size,
                  "upload blobs in PATCH chunks of this many bytes (default: one PUT)");
  cmd->add_option("IMAGE", flags->source, "image in the store")->required();
  cmd->add_option("DESTINATION", flags->destination, "where to push (default: IMAGE's name)");
}

}  // namespace

void register_push_commands(Registry& registry) {
  add_push(registry, "push");
  add_push(registry, "image push");
}

}  // namespace sbx::cli
