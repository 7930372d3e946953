// Token server answers (docker's token flow): the token and its lifetime.
#include <gtest/gtest.h>

#include "../../../src/image/token_auth.hpp"

namespace sbx::image::detail {
namespace {

using std::chrono::seconds;

TEST(TokenAnswerTest, TokenOrAccessToken) {
  auto token = parse_token_answer(R"({"token":"t1","access_token":"t2","expires_in":300})");
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_EQ(token->token, "t1");
  EXPECT_EQ(token->lifetime, seconds(300));
  auto access = parse_token_answer(R"({"access_token":"t2"})");
  ASSERT_TRUE(access) << access.error().message();
  EXPECT_EQ(access->token, "t2");
  EXPECT_EQ(access->lifetime, seconds(60));
}

// Found by fuzz_registry_response: a huge expires_in overflowed the expiry time.
TEST(TokenAnswerTest, LifetimeIsAMinuteToADay) {
  EXPECT_EQ(parse_token_answer(R"({"token":"t","expires_in":5})")->lifetime, seconds(60));
  EXPECT_EQ(parse_token_answer(R"({"token":"t","expires_in":-7})")->lifetime, seconds(60));
  EXPECT_EQ(parse_token_answer(R"({"token":"t","expires_in":3444444444444444440})")->lifetime,
            seconds(24 * 3600));
  EXPECT_EQ(parse_token_answer(R"({"token":"t","expires_in":18446744073709551615})")->lifetime,
            seconds(60));
}

TEST(TokenAnswerTest, MalformedAnswersAreErrors) {
  EXPECT_FALSE(parse_token_answer("not json"));
  EXPECT_FALSE(parse_token_answer("[]"));
  EXPECT_FALSE(parse_token_answer(R"({"token":""})"));
  EXPECT_FALSE(parse_token_answer(R"({"token":7})"));
}

}  // namespace
}  // namespace sbx::image::detail
