#include "sandbox/base/lazy_library.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace sbx {
namespace {

TEST(LazyLibrary, LoadsOnFirstUseAndFindsSymbols) {
  static LazyLibrary zlib("libz.so.1");
  ASSERT_TRUE(zlib.load());
  EXPECT_TRUE(zlib.load());  // once
  auto version = SBX_LAZY(zlib, zlibVersion);
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(std::strncmp(version(), "1.", 2), 0) << version();
}

TEST(LazyLibrary, MissingOptionalLibraryIsFalse) {
  LazyLibrary missing("libsandbox-does-not-exist.so.7");
  EXPECT_FALSE(missing.load());
  EXPECT_FALSE(missing.load());
}

[[noreturn]] void print_and_exit_127(const std::string& what) {
  std::fprintf(stderr, "sandbox: %s\n", what.c_str());
  std::fflush(stderr);
  ::_exit(127);
}

TEST(LazyLibraryDeathTest, MissingSymbolGoesToTheProgramsHandlerWithItsName) {
  LazyLibrary zlib("libz.so.1");
  EXPECT_EXIT(
      {
        set_missing_library_handler(print_and_exit_127);
        zlib.symbol("sandbox_no_such_function");
      },
      testing::ExitedWithCode(127), "sandbox_no_such_function");
  LazyLibrary missing("libsandbox-does-not-exist.so.7");
  EXPECT_EXIT(
      {
        set_missing_library_handler(print_and_exit_127);
        missing.symbol("f");
      },
      testing::ExitedWithCode(127), "libsandbox-does-not-exist");
}

TEST(LazyLibraryDeathTest, WithoutAHandlerItAborts) {
  LazyLibrary missing("libsandbox-does-not-exist.so.7");
  EXPECT_EXIT(missing.symbol("f"), testing::KilledBySignal(SIGABRT), "");
}

}  // namespace
}  // namespace sbx
