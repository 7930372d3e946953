// The man pages built from docs/man/*.scd and `sandbox __dump-cli` (cmake/man_pages.cmake)
// against the command line itself: every visible command has a page, every option of a command
// is in its page's OPTIONS, and every option a page names exists. A renamed, added or removed
// option or command fails here until the pages follow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using Names = std::set<std::string>;

nlohmann::json dump_cli() {
  std::string out;
  FILE* pipe = ::popen(SBX_SANDBOX_BIN " __dump-cli", "r");
  if (!pipe) return nullptr;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  if (::pclose(pipe) != 0) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

// "system df" -> "sandbox-system-df"
std::string page_of(const std::string& path) {
  std::string page = path.empty() ? "sandbox" : "sandbox-" + path;
  std::replace(page.begin(), page.end(), ' ', '-');
  return page;
}

void each_command(const nlohmann::json& command,
                  const std::function<void(const nlohmann::json&)>& visit) {
  visit(command);
  for (const auto& sub : command["commands"]) each_command(sub, visit);
}

Names option_names(const nlohmann::json& command) {
  Names names;
  for (const auto& option : command["options"])
    for (const auto& name : option["names"]) names.insert(name.get<std::string>());
  return names;
}

// The page as text: roff font escapes and zero-width marks removed.
std::string read_page(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return std::regex_replace(text.str(), std::regex(R"(\\f[BIRP]|\\&)"), "");
}

// ".SH OPTIONS" up to the next section.
std::string section(const std::string& page, const std::string& name) {
  size_t start = page.find(".SH " + name + "\n");
  if (start == std::string::npos) return {};
  size_t end = page.find("\n.SH ", start + 1);
  return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Every word that looks like an option: "--env", "-e"; "-it" counts as "-i" and "-t".
Names option_words(const std::string& text) {
  static const std::regex option(R"((^|[\s\[(|,"'])(--?[A-Za-z][A-Za-z0-9-]*))");
  Names words;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
       it != std::sregex_iterator(); ++it) {
    std::string word = (*it)[2];
    if (word.starts_with("--") || word.size() == 2) {
      words.insert(word);
    } else {
      for (char c : word.substr(1)) words.insert(std::string("-") + c);
    }
  }
  return words;
}

class ManPages : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = dump_cli();
    ASSERT_TRUE(cli_.is_object()) << SBX_SANDBOX_BIN " __dump-cli gave no JSON";
    global_ = option_names(cli_);
    each_command(cli_, [&](const nlohmann::json& command) {
      for (const std::string& name : option_names(command)) every_option_.insert(name);
    });
  }
  nlohmann::json cli_;
  Names global_, every_option_;
};

TEST_F(ManPages, EveryCommandHasAPageWithEachOfItsOptions) {
  each_command(cli_, [&](const nlohmann::json& command) {
    std::string path = command["path"];
    fs::path file = fs::path(SBX_MAN_DIR) / (page_of(path) + ".1");
    ASSERT_TRUE(fs::exists(file)) << "no man page for `sandbox " << path << "`: " << file;
    Names in_options = option_words(section(read_page(file), "OPTIONS"));
    for (const std::string& name : option_names(command))
      EXPECT_TRUE(in_options.contains(name))
          << file.filename() << " OPTIONS does not list " << name;
  });
}

TEST_F(ManPages, EveryOptionAPageNamesExists) {
  each_command(cli_, [&](const nlohmann::json& command) {
    std::string path = command["path"];
    fs::path file = fs::path(SBX_MAN_DIR) / (page_of(path) + ".1");
    // sandbox(1) shows examples of every command; a command's page names its own options
    // and the global ones, and a group's COMMANDS quote its commands' summaries, which may
    // name their options ("Check this host and the store (--repair fixes the store)").
    Names allowed = path.empty() ? every_option_ : option_names(command);
    allowed.insert(global_.begin(), global_.end());
    for (const auto& sub : command["commands"]) allowed.merge(option_names(sub));
    for (const std::string& word : option_words(read_page(file)))
      EXPECT_TRUE(allowed.contains(word)) << file.filename() << " names " << word
                                          << ", which `sandbox " << path << "` does not have";
  });
}

TEST_F(ManPages, EveryPageAndProseFileIsACommand) {
  Names pages;
  each_command(cli_,
               [&](const nlohmann::json& command) { pages.insert(page_of(command["path"])); });
  for (const auto& entry : fs::directory_iterator(SBX_MAN_DIR)) {
    if (entry.path().extension() != ".1") continue;
    EXPECT_TRUE(pages.contains(entry.path().stem())) << entry.path() << " documents no command";
  }
  for (const auto& entry : fs::directory_iterator(SBX_MAN_PROSE_DIR))
    EXPECT_TRUE(pages.contains(entry.path().stem()))
        << entry.path() << " is the prose of no command";
}

TEST(OptionWords, FindsLongShortAndGroupedOptions) {
  EXPECT_EQ(option_words("use --rm, -d or -it [--env]"),
            (Names{"--rm", "-d", "-i", "-t", "--env"}));
  EXPECT_EQ(option_words("read-only, e.g. -1 and sandbox-run(1)"), Names{});
}

}  // namespace
