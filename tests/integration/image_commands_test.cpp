// images, inspect, tag, rmi, image prune, import, system df and system reset
// end to end as the unprivileged user (pull itself: pull_test.cpp).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

class ImageCommandsTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    SBX_REQUIRES(has_subid_ranges(),
                 "subordinate ids for " + current_user_name() + " in /etc/subuid and /etc/subgid");
    SBX_REQUIRES(have_program("tar"), "GNU tar in PATH");
  }

  // A small root filesystem: a file, a dir, a symlink; `owned_1000` adds a
  // file owned by uid/gid 1000 (a subordinate id once unpacked).
  fs::path make_tarball(const std::string& name, bool owned_1000 = false) {
    fs::path src = test_dir() / ("src-" + name);
    fs::create_directories(src / "etc");
    std::ofstream(src / "etc/hello") << "hello " << name << "\n";
    fs::create_symlink("hello", src / "etc/link");
    fs::path tar = test_dir() / (name + ".tar.gz");
    std::string cmd = "tar -C " + src.native() + " --numeric-owner --owner=0 --group=0 -czf " +
                      tar.native() + " .";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    if (owned_1000) {
      fs::path plain = test_dir() / (name + ".tar");
      std::ofstream(src / "owned") << "owned by 1000\n";
      cmd = "tar -C " + src.native() + " --numeric-owner --owner=1000 --group=1000 -cf " +
            plain.native() + " ./owned ./etc && gzip -f " + plain.native();
      EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    return tar;
  }

  std::string import_ok(const fs::path& source, const std::string& name = {}) {
    std::vector<std::string> args{"import", source.native()};
    if (!name.empty()) args.push_back(name);
    RunResult r = sandbox(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::string id = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(id.rfind("sha256:", 0), 0u) << r.describe();
    return id;
  }

  nlohmann::json inspect(const std::string& ref) {
    RunResult r = sandbox({"inspect", ref});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto json = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(json.is_array() && json.size() == 1) << r.out;
    return json.is_array() && !json.empty() ? json[0] : nlohmann::json::object();
  }

  // Lines of `sandbox images` after the header.
  std::vector<std::string> image_rows() {
    RunResult r = sandbox({"images"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::vector<std::string> rows;
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line.rfind("REPOSITORY", 0), 0u) << r.out;
    while (std::getline(lines, line)) rows.push_back(line);
    return rows;
  }

  // `sandbox build` of `dockerfile` (with a file `hello` in the context) as `tag`.
  std::string build_ok(const std::string& dockerfile, const std::string& tag) {
    fs::path context = test_dir() / ("context-" + unique_token());
    fs::create_directories(context);
    std::ofstream(context / "Dockerfile") << dockerfile;
    std::ofstream(context / "hello") << "hello\n";
    RunResult r = sandbox({"build", "-q", "--network", "none", "-t", tag, context.native()});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::string id = r.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    return id.substr(id.rfind('\n') + 1);
  }

  // `images ARGS... --format {{.Repository}}:{{.Tag}}`, one name per line.
  std::string listed(std::vector<std::string> args) {
    args.insert(args.begin(), "images");
    args.insert(args.end(), {"--format", "{{.Repository}}:{{.Tag}}"});
    RunResult r = sandbox(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  static constexpr const char* kWebDockerfile =
      "FROM scratch\n"
      "COPY hello /hello\n"
      "LABEL org.example.role=web org.example.note=\"a label long enough to be cut short\"\n"
      "EXPOSE 8080/tcp\n"
      "ENTRYPOINT [\"/hello\"]\n"
      "CMD [\"arg\"]\n";

  size_t layer_dirs() {
    size_t n = 0;
    std::error_code ec;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root() / "layers", ec)) ++n;
    return n;
  }
};

TEST_F(ImageCommandsTest, EmptyStoreListsOnlyTheHeader) {
  EXPECT_TRUE(image_rows().empty());
  RunResult json = sandbox({"images", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  EXPECT_EQ(nlohmann::json::parse(json.out, nullptr, false), nlohmann::json::array());
  struct stat st;
  ASSERT_EQ(::stat(root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the store must be private";
}

TEST_F(ImageCommandsTest, ImportTarballListInspect) {
  std::string id = import_ok(make_tarball("one"), "local/one:v1");
  auto rows = image_rows();
  ASSERT_EQ(rows.size(), 1u);
  std::istringstream words(rows[0]);
  std::string repo, tag, short_id;
  words >> repo >> tag >> short_id;
  EXPECT_EQ(repo, "local/one");
  EXPECT_EQ(tag, "v1");
  EXPECT_EQ(short_id, id.substr(7, 12));
  nlohmann::json info = inspect("local/one:v1");
  EXPECT_EQ(info.value("Id", ""), id);
  EXPECT_EQ(info["RepoTags"], nlohmann::json::array({"local/one:v1"}));
  EXPECT_EQ(info["RootFS"]["Layers"].size(), 1u);
  EXPECT_EQ(info.value("Os", ""), "linux");
  EXPECT_GT(info.value("Size", 0), 0);
  // By id prefix and full id too.
  EXPECT_EQ(inspect(id.substr(7, 12)).value("Id", ""), id);
  EXPECT_EQ(inspect(id).value("Id", ""), id);
  RunResult quiet = sandbox({"images", "-q"});
  EXPECT_EQ(quiet.out, id.substr(7, 12) + "\n");
}

TEST_F(ImageCommandsTest, ImportDirectoryBecomesOneLayer) {
  fs::path dir = test_dir() / "rootfs";
  fs::create_directories(dir / "bin");
  std::ofstream(dir / "bin/tool") << "#!/bin/sh\n";
  fs::permissions(dir / "bin/tool", fs::perms::owner_all);
  std::string id = import_ok(dir, "dirimage");
  EXPECT_EQ(inspect("dirimage").value("Id", ""), id);
  bool found = false;
  for (const auto& layer : fs::directory_iterator(root() / "layers"))
    if (fs::exists(layer.path() / "diff/bin/tool")) found = true;
  EXPECT_TRUE(found) << "bin/tool is not in any unpacked layer";
}

TEST_F(ImageCommandsTest, ImportRefusesXzAndMissingSources) {
  fs::path xz = test_dir() / "x.tar.xz";
  ASSERT_EQ(std::system(("echo x | xz > " + xz.native()).c_str()), 0);
  RunResult r = sandbox({"import", xz.native(), "x"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("xz"), std::string::npos) << r.describe();
  RunResult missing = sandbox({"import", (test_dir() / "nope").native()});
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_TRUE(image_rows().empty());
}

TEST_F(ImageCommandsTest, TagThenRmiUntagsBeforeDeleting) {
  std::string id = import_ok(make_tarball("two"), "app:1");
  RunResult tag = sandbox({"tag", "app:1", "example.com/team/app:stable"});
  ASSERT_EQ(tag.exit_code, 0) << tag.describe();
  EXPECT_EQ(image_rows().size(), 2u);
  EXPECT_EQ(inspect("example.com/team/app:stable").value("Id", ""), id);

  RunResult untag = sandbox({"rmi", "app:1"});
  ASSERT_EQ(untag.exit_code, 0) << untag.describe();
  EXPECT_NE(untag.out.find("Untagged: app:1"), std::string::npos) << untag.describe();
  EXPECT_EQ(untag.out.find("Deleted"), std::string::npos) << untag.describe();
  EXPECT_EQ(layer_dirs(), 1u);

  RunResult remove = sandbox({"rmi", "example.com/team/app:stable"});
  ASSERT_EQ(remove.exit_code, 0) << remove.describe();
  EXPECT_NE(remove.out.find("Deleted: " + id), std::string::npos) << remove.describe();
  EXPECT_TRUE(image_rows().empty());
  EXPECT_EQ(layer_dirs(), 0u) << "the image's only layer must go with it";

  RunResult gone = sandbox({"rmi", "app:1"});
  EXPECT_EQ(gone.exit_code, 125);
  EXPECT_NE(gone.err.find("no such image"), std::string::npos) << gone.describe();
}

TEST_F(ImageCommandsTest, RmiRefusedWhileAContainerUsesTheImage) {
  std::string id = import_ok(make_tarball("used"), "used");
  fs::create_directories(root() / "containers/c0ffee");
  std::ofstream(root() / "containers/c0ffee/image-id") << id << "\n";
  std::ofstream(root() / "containers/c0ffee/config.json") << "{}\n";
  RunResult refused = sandbox({"rmi", "used"});
  EXPECT_EQ(refused.exit_code, 125);
  EXPECT_NE(refused.err.find("c0ffee"), std::string::npos) << refused.describe();
  RunResult forced = sandbox({"rmi", "-f", "used"});
  ASSERT_EQ(forced.exit_code, 0) << forced.describe();
  // Untagged, but kept for the container.
  EXPECT_EQ(inspect(id).value("Id", ""), id);
  EXPECT_EQ(layer_dirs(), 1u);
}

// A run killed before its config.json was written left a dir that records the
// image: it is garbage, and does not keep the image.
TEST_F(ImageCommandsTest, RmiIsNotRefusedForWhatAKilledRunLeft) {
  std::string id = import_ok(make_tarball("left"), "left");
  fs::create_directories(root() / "containers/c0ffee");
  std::ofstream(root() / "containers/c0ffee/image-id") << id << "\n";
  RunResult removed = sandbox({"rmi", "left"});
  EXPECT_EQ(removed.exit_code, 0) << removed.describe();
  EXPECT_FALSE(fs::exists(root() / "containers/c0ffee"));
  EXPECT_EQ(layer_dirs(), 0u);
}

TEST_F(ImageCommandsTest, PruneDropsDanglingImagesAndLeftovers) {
  import_ok(make_tarball("a"), "same:tag");
  std::string newer = import_ok(make_tarball("b"), "same:tag");  // the first is dangling now
  EXPECT_EQ(image_rows().size(), 2u);
  // What a killed pull leaves: a half-unpacked layer and a partial download.
  fs::create_directories(root() / "layers" / std::string(64, 'a') / "diff.partial");
  std::ofstream(root() / "tmp/blobs" / (std::string(64, 'b') + ".partial")) << "partial";
  RunResult prune = sandbox({"image", "prune", "-f"});
  ASSERT_EQ(prune.exit_code, 0) << prune.describe();
  EXPECT_NE(prune.out.find("Total reclaimed space"), std::string::npos) << prune.describe();
  auto rows = image_rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].find(newer.substr(7, 12)), std::string::npos);
  EXPECT_EQ(layer_dirs(), 1u);
  EXPECT_FALSE(fs::exists(root() / "tmp/blobs" / (std::string(64, 'b') + ".partial")));
}

TEST_F(ImageCommandsTest, SystemDfCountsImages) {
  import_ok(make_tarball("df1"), "df:1");
  import_ok(make_tarball("df2"), "df:2");
  RunResult df = sandbox({"system", "df"});
  ASSERT_EQ(df.exit_code, 0) << df.describe();
  std::istringstream lines(df.out);
  std::string header, images;
  std::getline(lines, header);
  std::getline(lines, images);
  EXPECT_EQ(header.rfind("TYPE", 0), 0u) << df.out;
  std::istringstream words(images);
  std::string type, total;
  words >> type >> total;
  EXPECT_EQ(type, "Images");
  EXPECT_EQ(total, "2");
}

TEST_F(ImageCommandsTest, ResetRemovesFilesOwnedBySubordinateIds) {
  make_tarball("sub", true);
  import_ok(test_dir() / "sub.tar.gz", "sub");
  fs::path owned;
  for (const auto& layer : fs::directory_iterator(root() / "layers"))
    if (fs::exists(layer.path() / "diff/owned")) owned = layer.path() / "diff/owned";
  ASSERT_FALSE(owned.empty()) << "the imported layer has no 'owned' file";
  struct stat st;
  ASSERT_EQ(::lstat(owned.c_str(), &st), 0);
  EXPECT_NE(st.st_uid, ::getuid()) << "uid 1000 in the image must be a subordinate id";

  RunResult no_force = sandbox({"system", "reset"});
  EXPECT_EQ(no_force.exit_code, 125) << "without -f and no terminal it must refuse";
  EXPECT_TRUE(fs::exists(root()));
  RunResult reset = sandbox({"system", "reset", "-f"});
  ASSERT_EQ(reset.exit_code, 0) << reset.describe();
  EXPECT_FALSE(fs::exists(root())) << "the store root is still there";
}

TEST_F(ImageCommandsTest, ResetRefusesADirectoryThatIsNoStore) {
  fs::path other = test_dir() / "not-a-store";
  fs::create_directories(other);
  std::ofstream(other / "precious") << "keep me";
  RunOptions options;
  RunResult r = run_sandbox({"--root", other.native(), "system", "reset", "-f"}, options);
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(fs::exists(other / "precious"));
}

TEST_F(ImageCommandsTest, PulledImageIsListedInspectedAndRemovedByDigest) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunResult pull = sandbox({"pull", "-q", rig().image("test/busybox:latest")});
  ASSERT_EQ(pull.exit_code, 0) << pull.describe();
  nlohmann::json info = inspect(rig().image("test/busybox:latest"));
  ASSERT_EQ(info["RepoDigests"].size(), 1u) << info.dump(2);
  std::string by_digest = info["RepoDigests"][0];
  // --digests: the manifest digest of the row's repository.
  RunResult digests = sandbox({"images", "--digests"});
  ASSERT_EQ(digests.exit_code, 0) << digests.describe();
  EXPECT_TRUE(digests.out.starts_with("REPOSITORY")) << digests.out;
  EXPECT_NE(digests.out.find("DIGEST"), std::string::npos) << digests.out;
  EXPECT_NE(digests.out.find(by_digest.substr(by_digest.find('@') + 1)), std::string::npos)
      << digests.out;
  EXPECT_EQ(inspect(by_digest).value("Id", ""), info.value("Id", ""));
  EXPECT_EQ(info["Config"].is_object(), true) << info.dump(2);
  RunResult rmi = sandbox({"rmi", rig().image("test/busybox:latest")});
  ASSERT_EQ(rmi.exit_code, 0) << rmi.describe();
  EXPECT_TRUE(image_rows().empty());
  EXPECT_EQ(layer_dirs(), 0u);
}

TEST_F(ImageCommandsTest, InspectOfAnUnknownNameNamesBothKinds) {
  RunResult any = sandbox({"inspect", "nosuch"});
  EXPECT_EQ(any.exit_code, 125);
  EXPECT_NE(any.err.find("no such container or image: nosuch"), std::string::npos)
      << any.describe();
  RunResult image = sandbox({"image", "inspect", "nosuch"});
  EXPECT_EQ(image.exit_code, 125);
  EXPECT_NE(image.err.find("no such image"), std::string::npos) << image.describe();
}

// images REPO[:TAG], -a, and every --filter key docker has, on a built image
// (its build steps leave intermediate images), an imported one and a dangling one.
TEST_F(ImageCommandsTest, ImagesFiltersAllAndRepositoryArgument) {
  std::string web = build_ok(kWebDockerfile, "local/web:1");
  ::sleep(1);  // created times one second apart, for before= and since=
  import_ok(make_tarball("plain"), "local/plain:1");
  ::sleep(1);
  std::string dangling = import_ok(make_tarball("dangling"));
  EXPECT_EQ(listed({}), "<none>:<none>\nlocal/plain:1\nlocal/web:1\n");
  RunResult all = sandbox({"images", "-a", "-q"});
  size_t rows = static_cast<size_t>(std::count(all.out.begin(), all.out.end(), '\n'));
  EXPECT_GE(rows, 6u) << "the build's steps are listed with -a\n" << all.out;
  RunResult shown = sandbox({"images", "-q"});
  EXPECT_EQ(std::count(shown.out.begin(), shown.out.end(), '\n'), 3) << shown.out;

  EXPECT_EQ(listed({"local/web"}), "local/web:1\n");
  EXPECT_EQ(listed({"local/web:1"}), "local/web:1\n");
  EXPECT_EQ(listed({"local/web:2"}), "");
  EXPECT_EQ(listed({"local/*"}), "local/plain:1\nlocal/web:1\n");
  EXPECT_EQ(listed({"--filter", "reference=local/pl*"}), "local/plain:1\n");
  EXPECT_EQ(listed({"--filter", "label=org.example.role"}), "local/web:1\n");
  EXPECT_EQ(listed({"--filter", "label=org.example.role=web"}), "local/web:1\n");
  EXPECT_EQ(listed({"--filter", "label=org.example.role=db"}), "");
  EXPECT_EQ(listed({"--filter", "dangling=true"}), "<none>:<none>\n");
  EXPECT_EQ(listed({"--filter", "dangling=false"}), "local/plain:1\nlocal/web:1\n");
  EXPECT_EQ(listed({"--filter", "since=local/web:1"}), "<none>:<none>\nlocal/plain:1\n");
  EXPECT_EQ(listed({"--filter", "before=local/plain:1"}), "local/web:1\n");
  EXPECT_EQ(listed({"-f", "since=local/web:1", "-f", "dangling=false"}), "local/plain:1\n");

  RunResult full = sandbox({"images", "--no-trunc", "local/web"});
  EXPECT_NE(full.out.find(web), std::string::npos) << full.describe();
  RunResult full_quiet = sandbox({"images", "-q", "--no-trunc", "--filter", "dangling=true"});
  EXPECT_EQ(full_quiet.out, dangling + "\n") << full_quiet.describe();
  RunResult digests = sandbox({"images", "--digests", "local/web"});
  EXPECT_NE(digests.out.find("<none>"), std::string::npos) << digests.describe();

  RunResult bad_key = sandbox({"images", "--filter", "colour=red"});
  EXPECT_EQ(bad_key.exit_code, 125) << bad_key.describe();
  EXPECT_NE(bad_key.err.find("invalid filter 'colour'"), std::string::npos) << bad_key.describe();
  RunResult bad_value = sandbox({"images", "--filter", "dangling=maybe"});
  EXPECT_EQ(bad_value.exit_code, 125) << bad_value.describe();
  EXPECT_NE(bad_value.err.find("want true or false"), std::string::npos) << bad_value.describe();
  RunResult bad_image = sandbox({"images", "--filter", "since=no-such-image"});
  EXPECT_EQ(bad_image.exit_code, 125) << bad_image.describe();
  EXPECT_NE(bad_image.err.find("no such image"), std::string::npos) << bad_image.describe();
}

// history: the build's steps newest first, as docker prints them.
TEST_F(ImageCommandsTest, HistoryShowsTheStepsNewestFirst) {
  std::string id = build_ok(kWebDockerfile, "local/web:1");
  RunResult table = sandbox({"history", "local/web:1"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  std::istringstream lines(table.out);
  std::string header, top;
  std::getline(lines, header);
  std::getline(lines, top);
  EXPECT_TRUE(header.starts_with("IMAGE")) << table.out;
  for (const char* column : {"CREATED", "CREATED BY", "SIZE", "COMMENT"})
    EXPECT_NE(header.find(column), std::string::npos) << table.out;
  EXPECT_TRUE(top.starts_with(id.substr(7, 12))) << table.out;
  EXPECT_NE(top.find("CMD"), std::string::npos) << table.out;
  // The long LABEL step is cut at 45 characters, the last one an ellipsis.
  EXPECT_NE(table.out.find("LABEL org.example.role=web org.example.note=…"), std::string::npos)
      << table.out;

  RunResult quiet = sandbox({"image", "history", "-q", "local/web:1"});
  EXPECT_EQ(quiet.out, id.substr(7, 12) + "\n<missing>\n<missing>\n<missing>\n<missing>\n")
      << quiet.describe();
  RunResult steps =
      sandbox({"history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "local/web:1"});
  ASSERT_EQ(steps.exit_code, 0) << steps.describe();
  std::vector<std::string> rows;
  std::istringstream step_lines(steps.out);
  for (std::string line; std::getline(step_lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 5u) << steps.out;
  EXPECT_TRUE(rows[0].starts_with("CMD [\"arg\"]|0B")) << steps.out;
  EXPECT_NE(rows[2].find("8080/tcp"), std::string::npos) << steps.out;
  EXPECT_NE(rows[3].find("a label long enough to be cut short"), std::string::npos) << steps.out;
  EXPECT_TRUE(rows[4].starts_with("COPY hello /hello|")) << steps.out;
  EXPECT_FALSE(rows[4].ends_with("|0B")) << "the COPY step made a layer\n" << steps.out;
  RunResult json = sandbox({"history", "--format", "json", "--no-trunc", "local/web:1"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  auto first = nlohmann::json::parse(json.out.substr(0, json.out.find('\n')), nullptr, false);
  EXPECT_EQ(first.value("ID", ""), id) << json.out;
  RunResult bytes = sandbox({"history", "--human=false", "--format", "{{.Size}}", "local/web:1"});
  EXPECT_TRUE(bytes.out.starts_with("0\n")) << bytes.describe();

  RunResult missing = sandbox({"history", "no-such-image"});
  EXPECT_EQ(missing.exit_code, 125) << missing.describe();
  EXPECT_NE(missing.err.find("no such image"), std::string::npos) << missing.describe();
  RunResult bad = sandbox({"history", "--format", "yaml", "local/web:1"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_NE(bad.err.find("unknown --format \"yaml\""), std::string::npos) << bad.describe();
}

// image inspect: Entrypoint apart from Cmd, Labels and ExposedPorts as docker
// shows them, and null (not missing) where an image sets none.
TEST_F(ImageCommandsTest, InspectShowsEntrypointLabelsAndPorts) {
  build_ok(kWebDockerfile, "local/web:1");
  RunResult r = sandbox({"image", "inspect", "-f",
                         "{{json .Config.Entrypoint}} {{json .Config.Cmd}} "
                         "{{index .Config.Labels \"org.example.role\"}} "
                         "{{json .Config.ExposedPorts}}",
                         "local/web:1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "[\"/hello\"] [\"arg\"] web {\"8080/tcp\":{}}\n");
  import_ok(make_tarball("bare"), "local/bare:1");
  RunResult bare = sandbox({"inspect", "-f",
                            "{{json .Config.Entrypoint}} {{json .Config.Labels}} {{.Config.User}}.",
                            "local/bare:1"});
  ASSERT_EQ(bare.exit_code, 0) << bare.describe();
  EXPECT_EQ(bare.out, "null null .\n");
}

}  // namespace
}  // namespace sbx::it
