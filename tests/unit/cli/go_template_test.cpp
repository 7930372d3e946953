// Templates and what docker prints for them over the same document.
#include "go_template.hpp"

#include <gtest/gtest.h>

namespace sbx::cli {
namespace {

using nlohmann::json;

const json& container() {
  static const json doc = json::parse(R"({
    "Id": "4f2a9c1e0b7d",
    "Name": "/web",
    "State": {"Status": "running", "Running": true, "ExitCode": 0, "Pid": 4242, "Health": null},
    "Config": {"Env": ["PATH=/usr/bin", "A=1"], "Cmd": ["sh", "-c", "echo hi"],
               "Labels": {"app": "web", "tier": "front"}, "Image": "alpine", "Entrypoint": null},
    "Mounts": [{"Type": "bind", "Source": "/src", "Destination": "/dst", "RW": true},
               {"Type": "tmpfs", "Source": "", "Destination": "/tmp", "RW": false}],
    "Memory": 1048576, "Ratio": 0.5, "Names": ["web"]
  })");
  return doc;
}

struct Case {
  const char* format;
  const char* expected;
};

class RendersAsDocker : public ::testing::TestWithParam<Case> {};

TEST_P(RendersAsDocker, Template) {
  auto out = render_template(GetParam().format, container());
  ASSERT_TRUE(out) << GetParam().format << ": " << out.error().message();
  EXPECT_EQ(*out, GetParam().expected) << GetParam().format;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RendersAsDocker,
    ::testing::Values(
        Case{"{{.Id}}", "4f2a9c1e0b7d"}, Case{"{{.Name}}", "/web"},
        Case{"plain text", "plain text"}, Case{"{{.State.Status}}", "running"},
        Case{"{{.State.Running}}", "true"}, Case{"{{.State.Pid}}", "4242"},
        Case{"{{.Memory}}", "1048576"}, Case{"{{.Ratio}}", "0.5"},
        Case{"{{.State.Health}}", "<nil>"}, Case{"{{.Config.Env}}", "[PATH=/usr/bin A=1]"},
        Case{"{{.Config.Labels}}", "map[app:web tier:front]"},
        Case{"{{json .Config.Env}}", R"(["PATH=/usr/bin","A=1"])"},
        Case{"{{json .Config.Entrypoint}}", "null"}, Case{"{{json .State.Status}}", R"("running")"},
        Case{"{{.Config.Env | json}}", R"(["PATH=/usr/bin","A=1"])"},
        Case{"{{index .Config.Labels \"app\"}}", "web"},
        Case{"{{index .Config.Labels \"missing\"}}", ""},
        Case{"{{index .Config.Cmd 2}}", "echo hi"},
        Case{"{{(index .Mounts 1).Destination}}", "/tmp"}, Case{"{{len .Mounts}}", "2"},
        Case{"{{len .Name}}", "4"}, Case{"{{lower \"ABC\"}}", "abc"},
        Case{"{{upper .State.Status}}", "RUNNING"},
        Case{"{{title \"hello world\"}}", "Hello World"},
        Case{"{{join .Config.Cmd \" \"}}", "sh -c echo hi"},
        Case{"{{join .Config.Entrypoint \",\"}}", ""}, Case{"{{println .Name}}", "/web\n"},
        Case{"{{println \"a\" 1 true}}", "a 1 true\n"}, Case{"{{print \"a\" \"b\" 1 2}}", "ab1 2"},
        Case{"{{printf \"%s=%d\" .Name .State.Pid}}", "/web=4242"},
        Case{"{{split \"a/b/c\" \"/\"}}", "[a b c]"}, Case{"{{truncate .Id 4}}", "4f2a"},
        Case{"{{pad \"x\" 1 2}}", " x  "},
        Case{"{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", "/src:/dst :/tmp "},
        Case{"{{range $i, $m := .Mounts}}{{$i}}={{$m.Type}};{{end}}", "0=bind;1=tmpfs;"},
        Case{"{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "app=web,tier=front,"},
        Case{"{{range .Config.Entrypoint}}x{{else}}none{{end}}", "none"},
        Case{"{{range .Config.Env}}{{println .}}{{end}}", "PATH=/usr/bin\nA=1\n"},
        Case{"{{if .State.Running}}up{{else}}down{{end}}", "up"},
        Case{"{{if .State.ExitCode}}bad{{else if .State.Running}}run{{else}}x{{end}}", "run"},
        Case{"{{if not .State.Running}}a{{else}}b{{end}}", "b"},
        Case{"{{if and .State.Running (eq .State.Status \"running\")}}yes{{end}}", "yes"},
        Case{"{{if or .State.ExitCode .State.Health}}yes{{else}}no{{end}}", "no"},
        Case{"{{if eq .State.Pid 1 4242}}in{{end}}", "in"},
        Case{"{{if gt .State.Pid 100}}big{{end}}{{if lt .Ratio 1}} small{{end}}", "big small"},
        Case{"{{if ne .Name \"/db\"}}other{{end}}", "other"},
        Case{"{{with .State}}{{.Status}}{{end}}", "running"},
        Case{"{{with .State.Health}}{{.Status}}{{else}}no health{{end}}", "no health"},
        Case{"{{$n := .Name}}{{range .Names}}{{$n}}/{{.}}{{end}}", "/web/web"},
        Case{"{{$.Name}}{{range .Names}}{{$.Id}}{{end}}", "/web4f2a9c1e0b7d"},
        Case{"a {{- \" b \" -}} c", "a b c"}, Case{"x {{- /* a comment */ -}} y", "xy"},
        Case{"{{/* only a comment */}}", ""}, Case{"{{`raw \\n`}}", "raw \\n"},
        Case{"{{\"tab\\there\"}}", "tab\there"},
        Case{
            "{{json .Mounts}}",
            R"([{"Destination":"/dst","RW":true,"Source":"/src","Type":"bind"},{"Destination":"/tmp","RW":false,"Source":"","Type":"tmpfs"}])"}));

TEST(GoTemplate, JsonOfTheWholeDocumentRoundTrips) {
  auto out = render_template("{{json .}}", container());
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(json::parse(*out), container());
}

// Found by fuzz_go_template: a string that is not UTF-8 (a template literal, a
// label or file name in the data) is printed with U+FFFD, never a crash.
TEST(GoTemplate, StringsThatAreNotUtf8AreReplacedNotFatal) {
  json data = {{"Name", "a\xbc"}};
  auto quoted = render_template("{{printf \"%q\" .Name}} {{json .Name}}", data);
  ASSERT_TRUE(quoted) << quoted.error().message();
  EXPECT_EQ(*quoted, "\"a\xef\xbf\xbd\" \"a\xef\xbf\xbd\"");
  // The crash's shape: an error message that quotes a non-UTF-8 literal.
  auto bad = render_template("{{if \"x\xbc\" 1}}{{end}}", data);
  EXPECT_FALSE(bad);
  // The fuzzer's input itself.
  auto found = render_template(
      "{{if\"and .State.Running (eq .State.Sta\xbctus \"index .noifCg.Mabels \"a\" -}}{{end}}",
      container());
  EXPECT_FALSE(found);
}

struct Bad {
  const char* format;
  const char* message;  // a part of the error
};

class RefusesClearly : public ::testing::TestWithParam<Bad> {};

TEST_P(RefusesClearly, Template) {
  auto out = render_template(GetParam().format, container());
  ASSERT_FALSE(out) << GetParam().format << " gave " << *out;
  EXPECT_NE(out.error().message().find(GetParam().message), std::string::npos)
      << GetParam().format << ": " << out.error().message();
  EXPECT_FALSE(out.error().hint().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, RefusesClearly,
    ::testing::Values(Bad{"{{.Nope}}", "map has no entry for key \"Nope\""},
                      Bad{"{{.State.Health.Status}}", "nil pointer evaluating .Status"},
                      Bad{"{{.Name.First}}", "can't evaluate field First in type string"},
                      Bad{"{{.Name", "unclosed action"}, Bad{"{{if .Name}}x", "has no {{end}}"},
                      Bad{"{{end}}", "unexpected {{end}}"},
                      Bad{"{{nosuch .Name}}", "function \"nosuch\" not defined"},
                      Bad{"{{define \"x\"}}{{end}}", "{{define}} is not supported"},
                      Bad{"{{template \"x\"}}", "{{template}} is not supported"},
                      Bad{"{{range .Config.Env}}{{break}}{{end}}", "{{break}} is not supported"},
                      Bad{"{{index .Config.Cmd 9}}", "index out of range: 9"},
                      Bad{"{{len .State.Pid}}", "len of type number"},
                      Bad{"{{$x}}", "undefined variable \"$x\""},
                      Bad{"{{.Name .Id}}", "can't give argument to non-function"},
                      Bad{"{{upper 3}}", "expected string"},
                      Bad{"{{range .Name}}{{end}}", "range can't iterate over /web"},
                      Bad{"{{\"open}}", "unclosed action"},
                      Bad{"{{(len .Name}}", "unclosed left paren"},
                      Bad{"{{ }}", "missing value for command"},
                      Bad{"\n{{.Name}}\n  {{nosuch}}", "template: :3:3: function \"nosuch\""}));

TEST(RenderRows, TableHasHeadersAndAlignedColumns) {
  std::vector<json> rows = {
      {{"ID", "4f2a9c1e0b7d"}, {"Image", "alpine"}, {"CreatedAt", "now"}},
      {{"ID", "77"}, {"Image", "localhost:5000/busybox"}, {"CreatedAt", "x"}}};
  auto out =
      render_rows(R"(table {{.ID}}\t{{.Image}}\t{{.CreatedAt}})", rows, {{"ID", "CONTAINER ID"}});
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out,
            "CONTAINER ID   IMAGE                    CREATED AT\n"
            "4f2a9c1e0b7d   alpine                   now\n"
            "77             localhost:5000/busybox   x\n");
}

TEST(RenderRows, APlainTemplateIsOneLinePerRow) {
  std::vector<json> rows = {{{"Names", json::array({"a", "b"})}}, {{"Names", json::array()}}};
  auto out = render_rows(R"({{join .Names ","}}\t!)", rows);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out, "a,b\t!\n\t!\n");
  auto none = render_rows("table {{.Names}}", {}, {{"Names", "NAMES"}});
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, "NAMES\n");  // the header even without rows, as docker prints it
  auto bad = render_rows("{{.Missing}}", rows);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("map has no entry for key \"Missing\""), std::string::npos);
}

TEST(AlignTabs, PadsCellsLikeTabwriter) {
  EXPECT_EQ(align_tabs("a\tbb\tc\nlonger value\tx\ty\n"),
            "a              bb        c\nlonger value   x         y\n");
  EXPECT_EQ(align_tabs("no tabs\n"), "no tabs\n");
}

TEST(IsGoTemplate, OnlyTemplatesHoldBraces) {
  EXPECT_TRUE(is_go_template("{{.ID}}"));
  EXPECT_TRUE(is_go_template("table {{.ID}}"));
  EXPECT_FALSE(is_go_template("json"));
  EXPECT_FALSE(is_go_template("table"));
}

}  // namespace
}  // namespace sbx::cli
