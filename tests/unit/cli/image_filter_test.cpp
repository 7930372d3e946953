#include "image_filter.hpp"

#include <gtest/gtest.h>

#include "image_history.hpp"

namespace sbx::cli {
namespace {

image::Digest digest_of(const std::string& text) { return image::sha256_of(text); }

image::HistoryEntry step(const std::string& by, bool empty_layer = false) {
  return {"2026-01-01T00:00:00Z", by, "", "", empty_layer};
}

ListedImage make_image(const std::string& seed, std::vector<std::string> tags, std::string created,
                       std::vector<std::string> steps,
                       std::map<std::string, std::string> labels = {}) {
  ListedImage image;
  image.record.id = digest_of(seed);
  image.record.repo_tags = std::move(tags);
  image.record.created = created;
  image.config.created = std::move(created);
  image.config.labels = std::move(labels);
  for (const std::string& by : steps) {
    image.config.history.push_back(step(by));
    image.config.diff_ids.push_back(digest_of(by));
  }
  return image;
}

std::vector<ListedImage> sample_images() {  // newest first, as listed
  return {make_image("app", {"docker.io/library/app:2", "127.0.0.1:5000/team/app:2"},
                     "2026-01-03T00:00:00.5Z", {"base", "copy", "run"}, {{"role", "web"}}),
          make_image("step", {}, "2026-01-03T00:00:00Z", {"base", "copy"}),
          make_image("orphan", {}, "2026-01-02T12:00:00Z", {"other"}),
          make_image("base", {"docker.io/library/debian:12"}, "2026-01-01T00:00:00Z", {"base"},
                     {{"role", "base"}, {"vendor", "debian"}})};
}

std::vector<std::string> names(std::vector<ListedImage> images) {
  std::vector<std::string> out;
  for (const ListedImage& image : images) {
    if (image.record.repo_tags.empty()) out.push_back("<none>");
    for (const std::string& tag : image.record.repo_tags) out.push_back(tag);
  }
  return out;
}

std::vector<std::string> filtered(const std::vector<std::string>& filters,
                                  const std::string& repository = {}) {
  auto filter = ImageFilter::parse(filters, repository);
  EXPECT_TRUE(filter) << filter.error().message();
  auto result = filter->apply(sample_images());
  EXPECT_TRUE(result) << result.error().message();
  return result ? names(*result) : std::vector<std::string>{"error"};
}

using Names = std::vector<std::string>;

TEST(ImageFilterTest, ReferenceGlobsMatchFamiliarNamesAndKeepOnlyMatchingTags) {
  EXPECT_EQ(filtered({}, "app"), Names({"docker.io/library/app:2"}));
  EXPECT_EQ(filtered({"reference=app:2"}), Names({"docker.io/library/app:2"}));
  EXPECT_EQ(filtered({"reference=*/team/*"}), Names({"127.0.0.1:5000/team/app:2"}));
  EXPECT_EQ(filtered({"reference=*"}),
            Names({"docker.io/library/app:2", "docker.io/library/debian:12"}));
  EXPECT_EQ(filtered({"reference=deb*:1?"}), Names({"docker.io/library/debian:12"}));
  EXPECT_EQ(filtered({"reference=app:3"}), Names());
  EXPECT_TRUE(reference_matches("debian", "docker.io/library/debian:12"));
  EXPECT_FALSE(reference_matches("deb", "docker.io/library/debian:12"));
}

TEST(ImageFilterTest, DanglingLabelBeforeSince) {
  EXPECT_EQ(filtered({"dangling=true"}), Names({"<none>", "<none>"}));
  EXPECT_EQ(filtered({"dangling=false", "label=role=web"}),
            Names({"docker.io/library/app:2", "127.0.0.1:5000/team/app:2"}));
  EXPECT_EQ(filtered({"label=vendor"}), Names({"docker.io/library/debian:12"}));
  EXPECT_EQ(filtered({"label=role=db", "label=role=base"}), Names({"docker.io/library/debian:12"}));
  // Sub-second times count: app was made half a second after the step.
  EXPECT_EQ(filtered({"since=" + digest_of("step").hex().substr(0, 12)}),
            Names({"docker.io/library/app:2", "127.0.0.1:5000/team/app:2"}));
  EXPECT_EQ(filtered({"before=debian:12"}), Names());
  EXPECT_EQ(filtered({"before=app:2", "since=debian:12"}), Names({"<none>", "<none>"}));
}

TEST(ImageFilterTest, BadFiltersAreErrors) {
  EXPECT_FALSE(ImageFilter::parse({"colour=red"}, ""));
  EXPECT_FALSE(ImageFilter::parse({"dangling"}, ""));
  EXPECT_FALSE(ImageFilter::parse({"dangling=yes"}, ""));
  EXPECT_FALSE(ImageFilter::parse({"label="}, ""));
  auto unknown = ImageFilter::parse({"since=nothing"}, "")->apply(sample_images());
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("no such image"), std::string::npos)
      << unknown.error().message();
}

TEST(ImageFilterTest, IntermediateImagesAreTheUntaggedParentsOfOthers) {
  // "step" is app's parent (layers and history a prefix); "orphan" is no one's.
  EXPECT_EQ(names(without_intermediate(sample_images())),
            Names({"docker.io/library/app:2", "127.0.0.1:5000/team/app:2", "<none>",
                   "docker.io/library/debian:12"}));
  // The empty image `FROM scratch` starts from is everyone's parent.
  auto with_scratch = sample_images();
  with_scratch.push_back(make_image("scratch", {}, "", {}));
  EXPECT_EQ(names(without_intermediate(with_scratch)),
            Names({"docker.io/library/app:2", "127.0.0.1:5000/team/app:2", "<none>",
                   "docker.io/library/debian:12"}));
  auto kept = without_intermediate(sample_images());
  EXPECT_EQ(kept[1].record.id, digest_of("orphan"));
}

TEST(ImageHistoryTest, RowsNewestFirstWithLayerSizesAndTruncation) {
  ListedImage image = make_image("app", {"docker.io/library/app:2"}, "2026-01-03T00:00:00Z",
                                 {"COPY . /src", "RUN make"});
  image.config.history.insert(image.config.history.begin() + 1,
                              step("ENV LONG=" + std::string(60, 'v'), true));
  image.record.layers.resize(2);
  image.record.layers[0].size = 1000;
  image.record.layers[1].size = 2500000;
  auto rows = history_rows(image.record, image.config, 0, {});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["ID"], image.record.id.short_hex());
  EXPECT_EQ(rows[1]["ID"], "<missing>");
  EXPECT_EQ(rows[0]["CreatedBy"], "RUN make");
  EXPECT_EQ(rows[0]["Size"], "2.5MB");
  EXPECT_EQ(rows[1]["Size"], "0B");
  EXPECT_EQ(rows[2]["Size"], "1kB");
  EXPECT_EQ(rows[1]["CreatedBy"], "ENV LONG=" + std::string(35, 'v') + "…");
  auto full = history_rows(image.record, image.config, 0, {.no_trunc = true, .human = false});
  EXPECT_EQ(full[0]["ID"], image.record.id.str());
  EXPECT_EQ(full[1]["CreatedBy"], "ENV LONG=" + std::string(60, 'v'));
  EXPECT_EQ(full[0]["Size"], "2500000");
  EXPECT_EQ(full[0]["CreatedSince"], "2026-01-01T00:00:00Z");  // the step's time
}

}  // namespace
}  // namespace sbx::cli
