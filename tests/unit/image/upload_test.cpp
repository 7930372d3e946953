// The pure parts of blob uploads: Location resolution, the upload's Range,
// and chunk planning with Content-Range.
#include "sandbox/image/upload.hpp"

#include <gtest/gtest.h>

namespace sbx::image {
namespace {

TEST(UploadLocation, ResolvesAbsolutePathAndRelativeForms) {
  const std::string base = "http://127.0.0.1:5000";
  const std::string request = "http://127.0.0.1:5000/v2/x/y/blobs/uploads/";
  // distribution answers absolute URLs.
  EXPECT_EQ(
      resolve_location(base, request, "http://127.0.0.1:5000/v2/x/y/blobs/uploads/u1?_state=s"),
      "http://127.0.0.1:5000/v2/x/y/blobs/uploads/u1?_state=s");
  // Others (and distribution with relativeurls) answer a path.
  EXPECT_EQ(resolve_location(base, request, "/v2/x/y/blobs/uploads/u1"),
            "http://127.0.0.1:5000/v2/x/y/blobs/uploads/u1");
  EXPECT_EQ(resolve_location(base, request + "?mount=a", "u2"),
            "http://127.0.0.1:5000/v2/x/y/blobs/uploads/u2");
  EXPECT_EQ(resolve_location(base, request, "  https://storage.example/u3"),
            "https://storage.example/u3");
  EXPECT_EQ(resolve_location(base, request, ""), "");
}

TEST(UploadLocation, AddsQueryParameters) {
  EXPECT_EQ(with_query("http://h/v2/u/1", "digest=sha256%3Aab"),
            "http://h/v2/u/1?digest=sha256%3Aab");
  EXPECT_EQ(with_query("http://h/v2/u/1?_state=x", "digest=d"),
            "http://h/v2/u/1?_state=x&digest=d");
}

TEST(UploadRange, ParsesWhatRegistriesSend) {
  EXPECT_EQ(parse_upload_range("0-1023"), 1024u);
  EXPECT_EQ(parse_upload_range("bytes=0-1023"), 1024u);
  EXPECT_EQ(parse_upload_range("0-0"), 0u);   // distribution: nothing yet
  EXPECT_EQ(parse_upload_range("0--1"), 0u);  // some registries for an empty upload
  EXPECT_EQ(parse_upload_range(""), std::nullopt);
  EXPECT_EQ(parse_upload_range("5-10"), std::nullopt);  // must start at 0
  EXPECT_EQ(parse_upload_range("0-x"), std::nullopt);
  EXPECT_EQ(parse_upload_range("0-"), std::nullopt);
  EXPECT_EQ(parse_upload_range("0-12 "), std::nullopt);
}

TEST(UploadChunks, CutsTheRestIntoChunksWithInclusiveRanges) {
  auto chunks = plan_chunks(0, 10, 4);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], (Chunk{0, 4}));
  EXPECT_EQ(chunks[2], (Chunk{8, 2}));
  EXPECT_EQ(chunks[0].content_range(), "0-3");
  EXPECT_EQ(chunks[2].content_range(), "8-9");
  // Resumed after 6 bytes.
  auto rest = plan_chunks(6, 10, 4);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0], (Chunk{6, 4}));
  // chunk size 0: one chunk; nothing left: none.
  EXPECT_EQ(plan_chunks(0, 10, 0), (std::vector<Chunk>{{0, 10}}));
  EXPECT_TRUE(plan_chunks(10, 10, 4).empty());
  EXPECT_TRUE(plan_chunks(0, 0, 0).empty());
}

}  // namespace
}  // namespace sbx::image
