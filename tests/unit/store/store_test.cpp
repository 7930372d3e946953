#include "sandbox/store/store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "sandbox/store/lookup.hpp"

namespace sbx::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create({}, "store-test-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    auto store = Store::open(dir_.path() / "root");
    ASSERT_TRUE(store) << store.error().message();
    store_.emplace(std::move(*store));
  }

  // A fake unpacked layer with a record, its blob stored.
  LayerRecord add_layer(const std::string& content) {
    LayerRecord layer;
    layer.digest = store_->write_blob("blob:" + content).value();
    layer.diff_id = image::sha256_of("tar:" + content);
    layer.size = content.size();
    EXPECT_TRUE(make_dirs(store_->layer_diff_dir(layer.diff_id)));
    EXPECT_TRUE(write_file_atomic(store_->layer_diff_dir(layer.diff_id) / "file", content));
    EXPECT_TRUE(store_->commit_layer(layer));
    return layer;
  }

  ImageRecord add_image(const std::string& config, std::vector<LayerRecord> layers,
                        std::vector<std::string> names, int64_t stored_at = 1) {
    ImageRecord record;
    record.id = store_->write_blob(config).value();
    record.manifest_digest = store_->write_blob("manifest:" + config).value();
    record.layers = std::move(layers);
    record.stored_at = stored_at;
    auto added = store_->add_image(record, names);
    EXPECT_TRUE(added) << added.error().message();
    return record;
  }

  Store& store() { return *store_; }

  TempDir dir_ = TempDir::create().value();
  std::optional<Store> store_;
};

TEST_F(StoreTest, RootIsPrivateAndLooseModeIsFixed) {
  struct stat st;
  ASSERT_EQ(::stat(store().root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::chmod(store().root().c_str(), 0755), 0);
  ASSERT_TRUE(Store::open(store().root()));
  ASSERT_EQ(::stat(store().root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(path_exists(store().root() / "blobs/sha256"));
  EXPECT_TRUE(path_exists(store().root() / "tmp"));
}

TEST_F(StoreTest, BlobsAreContentAddressedAndVerifiedOnRead) {
  image::Digest digest = store().write_blob("hello").value();
  EXPECT_EQ(digest, image::sha256_of("hello"));
  EXPECT_TRUE(store().has_blob(digest));
  EXPECT_EQ(store().read_blob(digest, 100).value(), "hello");
  EXPECT_FALSE(store().read_blob(digest, 2));  // over the cap
  ASSERT_TRUE(write_file_atomic(store().blob_path(digest), "tampered"));
  auto tampered = store().read_blob(digest, 100);
  ASSERT_FALSE(tampered);
  EXPECT_NE(tampered.error().message().find(digest.str()), std::string::npos);
}

TEST_F(StoreTest, HalfUnpackedLayerIsNotListed) {
  image::Digest diff_id = image::sha256_of("half");
  ASSERT_TRUE(make_dirs(store().layer_staging_dir(diff_id)));
  EXPECT_FALSE(store().layer(diff_id).value().has_value());
  LayerRecord record{diff_id, {}, "", 0, 0};
  EXPECT_FALSE(store().commit_layer(record));  // diff/ is missing
  ASSERT_TRUE(make_dirs(store().layer_diff_dir(diff_id)));
  EXPECT_FALSE(store().layer(diff_id).value().has_value());  // no layer.json yet
  ASSERT_TRUE(store().commit_layer(record));
  EXPECT_EQ(store().layer(diff_id).value(), record);
}

TEST_F(StoreTest, AddResolveAndList) {
  LayerRecord base = add_layer("base");
  ImageRecord old = add_image("config-old", {base}, {"docker.io/library/busybox:latest"}, 10);
  ImageRecord newer = add_image("config-new", {base, add_layer("top")},
                                {"docker.io/library/busybox:latest", "127.0.0.1:5000/x/y:1"}, 20);
  auto resolved = store().resolve("busybox");
  ASSERT_TRUE(resolved) << resolved.error().message();
  EXPECT_EQ(resolved->id, newer.id);  // the tag moved to the newer image
  EXPECT_EQ(resolved->size(), 7u);
  auto list = store().images().value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, newer.id);  // newest first
  EXPECT_EQ(list[0].repo_tags.size(), 2u);
  EXPECT_TRUE(list[1].dangling());
  EXPECT_EQ(store().resolve(old.id.short_hex()).value().id, old.id);
}

TEST_F(StoreTest, AMissingRecordIsNotFoundByKind) {
  auto missing = store().image(image::sha256_of("never stored"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(is_not_found(missing.error()));
  EXPECT_EQ(missing.error().errno_value(), 0);
}

TEST_F(StoreTest, TagThenRemoveByNameOnlyUntags) {
  ImageRecord image = add_image("config", {add_layer("a")}, {"docker.io/library/busybox:latest"});
  EXPECT_EQ(store().tag("busybox", "mybox:1").value(), "docker.io/library/mybox:1");
  EXPECT_EQ(store().resolve("mybox:1").value().id, image.id);
  auto removed = store().remove_image("busybox", false);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(removed->untagged, std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_TRUE(removed->deleted.empty());
  EXPECT_TRUE(store().resolve("mybox:1"));
  EXPECT_FALSE(store().resolve("busybox"));
  EXPECT_FALSE(store().tag("nothere", "x"));
}

TEST_F(StoreTest, RemoveLastNameDeletesImageAndItsUnsharedLayers) {
  LayerRecord shared = add_layer("shared");
  LayerRecord own = add_layer("own");
  ImageRecord keep = add_image("keep", {shared}, {"docker.io/library/keep:latest"});
  ImageRecord gone = add_image("gone", {shared, own}, {"docker.io/library/gone:latest"});
  auto removed = store().remove_image("gone", false);
  ASSERT_TRUE(removed) << removed.error().message();
  ASSERT_EQ(removed->deleted.size(), 1u);
  EXPECT_EQ(removed->deleted[0], gone.id);
  EXPECT_TRUE(removed->collected);
  EXPECT_FALSE(path_exists(store().layer_dir(own.diff_id)));
  EXPECT_FALSE(store().has_blob(own.digest));
  EXPECT_FALSE(store().has_blob(gone.id));
  EXPECT_TRUE(path_exists(store().layer_diff_dir(shared.diff_id)));
  EXPECT_TRUE(store().has_blob(keep.id));
  EXPECT_TRUE(store().has_blob(keep.manifest_digest));
}

TEST_F(StoreTest, TheMountPointLayerGoesWithItsImage) {
  ImageRecord keep = add_image("keep", {add_layer("a")}, {"docker.io/library/keep:latest"});
  ImageRecord gone = add_image("gone", {add_layer("b")}, {"docker.io/library/gone:latest"});
  for (const auto& id : {keep.id, gone.id})
    ASSERT_TRUE(make_dirs(store().mount_point_layer_dir(id) / "etc"));
  ASSERT_TRUE(store().remove_image("gone", false));
  EXPECT_FALSE(path_exists(store().mount_point_layer_dir(gone.id)));
  EXPECT_TRUE(path_exists(store().mount_point_layer_dir(keep.id) / "etc"));
}

TEST_F(StoreTest, RemoveRefusedWhileAContainerUsesIt) {
  ImageRecord image = add_image("config", {add_layer("a")}, {"docker.io/library/app:latest"});
  ASSERT_TRUE(store().record_container_image("c1", image.id));
  EXPECT_EQ(store().containers_using(image.id).value(), std::vector<std::string>{"c1"});
  auto refused = store().remove_image("app", false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("c1"), std::string::npos);
  auto forced = store().remove_image("app", true);
  ASSERT_TRUE(forced);
  EXPECT_TRUE(forced->deleted.empty());  // kept for the container, untagged
  EXPECT_TRUE(store().image(image.id));
  EXPECT_TRUE(path_exists(store().layer_diff_dir(image.layers[0].diff_id)));
}

TEST_F(StoreTest, RemoveByIdWithSeveralNamesNeedsForce) {
  ImageRecord image = add_image("config", {}, {"docker.io/library/a:1", "docker.io/library/b:1"});
  EXPECT_FALSE(store().remove_image(image.id.short_hex(), false));
  auto forced = store().remove_image(image.id.short_hex(), true);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->untagged.size(), 2u);
  EXPECT_EQ(forced->deleted.size(), 1u);
  EXPECT_TRUE(store().images().value().empty());
}

TEST_F(StoreTest, PruneDropsDanglingImagesAndLeftovers) {
  add_image("old", {add_layer("old")}, {"docker.io/library/x:latest"});
  ImageRecord current = add_image("new", {add_layer("new")}, {"docker.io/library/x:latest"});
  image::Digest half = image::sha256_of("half");
  ASSERT_TRUE(make_dirs(store().layer_staging_dir(half)));
  ASSERT_TRUE(write_file_atomic(store().download_path(half).native() + ".partial", "x"));
  ASSERT_TRUE(write_file_atomic(store().blob_path(image::sha256_of("stray")), "stray"));
  auto pruned = store().prune(false);
  ASSERT_TRUE(pruned) << pruned.error().message();
  EXPECT_EQ(pruned->images.size(), 1u);
  EXPECT_EQ(pruned->layers.size(), 1u);
  EXPECT_GT(pruned->reclaimed_bytes, 0u);
  EXPECT_FALSE(path_exists(store().layer_dir(half)));
  EXPECT_FALSE(path_exists(store().download_path(half).native() + ".partial"));
  EXPECT_FALSE(store().has_blob(image::sha256_of("stray")));
  auto left = store().images().value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, current.id);
  EXPECT_TRUE(path_exists(store().layer_diff_dir(current.layers[0].diff_id)));
  auto all = store().prune(true);
  ASSERT_TRUE(all);
  EXPECT_TRUE(store().images().value().empty());
}

TEST_F(StoreTest, PruneUsesTheRemoverForLayerTrees) {
  LayerRecord layer = add_layer("a");
  std::vector<fs::path> asked;
  auto pruned = store().prune(true, [&](const std::vector<fs::path>& trees) -> Status {
    asked = trees;
    return remove_trees_plainly(trees);
  });
  ASSERT_TRUE(pruned);
  // The layer left layers/ in one rename, for the trash, which the remover deletes.
  EXPECT_FALSE(path_exists(store().layer_dir(layer.diff_id)));
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], store().root() / "tmp" / "trash");
  EXPECT_FALSE(path_exists(store().root() / "tmp" / "trash"));
}

// A kill during the delete leaves the layer whole in layers/ or only in the
// trash: never layer.json beside a half-deleted diff/.
TEST_F(StoreTest, ARemoverThatDiesLeavesNoHalfLayer) {
  LayerRecord layer = add_layer("abc");
  auto pruned =
      store().prune(true, [&](const std::vector<fs::path>&) -> Status { return fail("killed"); });
  EXPECT_FALSE(pruned);
  EXPECT_FALSE(path_exists(store().layer_dir(layer.diff_id)));
  auto found = store().layer(layer.diff_id);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(store().trash().size(), 1u);
  ASSERT_TRUE(store().prune(true));  // the next collection takes the garbage
  EXPECT_TRUE(store().trash().empty());
}

TEST_F(StoreTest, DiskUsageCountsSharedLayersOnce) {
  LayerRecord shared = add_layer("12345");
  ImageRecord one = add_image("one", {shared}, {"docker.io/library/one:latest"});
  add_image("two", {shared, add_layer("678")}, {"docker.io/library/two:latest"});
  ASSERT_TRUE(store().record_container_image("c1", one.id));
  DiskUsage usage = store().disk_usage().value();
  EXPECT_EQ(usage.images, 2u);
  EXPECT_EQ(usage.images_in_use, 1u);
  EXPECT_EQ(usage.images_bytes, 8u);
  EXPECT_EQ(usage.reclaimable_bytes, 3u);
  EXPECT_EQ(usage.layers, 2u);
  EXPECT_EQ(usage.containers, 1u);
  EXPECT_GE(usage.blobs, 6u);
}

}  // namespace
}  // namespace sbx::store
