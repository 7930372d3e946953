// --group-add, --device and --tz as make_container_spec checks them.
#include <gtest/gtest.h>

#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {
namespace {

RunFlags identity_flags() {
  RunFlags f;
  f.image = "busybox";
  f.command = {"true"};
  return f;
}

TEST(ParseDevice, Forms) {
  auto same = parse_device("/dev/fuse");
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_EQ(*same, (DeviceRequest{"/dev/fuse", "/dev/fuse", "rwm"}));
  EXPECT_EQ(*parse_device("/dev/zero:/dev/myzero"),
            (DeviceRequest{"/dev/zero", "/dev/myzero", "rwm"}));
  EXPECT_EQ(*parse_device("/dev/zero:r"), (DeviceRequest{"/dev/zero", "/dev/zero", "r"}));
  EXPECT_EQ(*parse_device("/dev/zero:/z:rw"), (DeviceRequest{"/dev/zero", "/z", "rw"}));
  for (const char* bad : {"dev/zero", "/dev/zero:z/x:r", "/dev/zero:/z:rx", "/dev/zero:/z:rr",
                          "/dev/zero:/a/../b", "/dev/zero:/z:r:w", ""})
    EXPECT_FALSE(parse_device(bad)) << bad;
}

TEST(CheckTimezoneName, NamesOnly) {
  for (const char* good : {"local", "UTC", "Europe/Paris", "Etc/GMT+5", "America/Port-au-Prince"})
    EXPECT_TRUE(check_timezone_name(good)) << good;
  for (const char* bad : {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc", "Europe//Paris",
                          "Europe/", "a b", "./UTC"})
    EXPECT_FALSE(check_timezone_name(bad)) << bad;
}

TEST(IdentityOptions, GroupAddKeepGroupsAlone) {
  RunFlags f = identity_flags();
  f.group_add = {"keep-groups"};
  auto spec = make_container_spec({}, f);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_TRUE(keeps_groups(*spec));
  f.group_add = {"keep-groups", "audio"};
  auto both = make_container_spec({}, f);
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message().find("not allowed with any other --group-add"),
            std::string::npos);
  f.group_add = {"a:b"};
  EXPECT_FALSE(make_container_spec({}, f));
}

TEST(IdentityOptions, DevicesAndZoneRoundTrip) {
  RunFlags f = identity_flags();
  f.group_add = {"audio", "4242"};
  f.devices = {"/dev/zero:/dev/myzero:r", "/dev/null"};
  f.timezone = "Asia/Tokyo";
  auto spec = make_container_spec({}, f);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_FALSE(keeps_groups(*spec));
  auto back = container_spec_from_json(container_spec_to_json(*spec));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->group_add, spec->group_add);
  EXPECT_EQ(back->devices, spec->devices);
  EXPECT_EQ(back->timezone, "Asia/Tokyo");
  f.devices = {"/dev/zero:/dev/x", "/dev/null:/dev/x"};
  EXPECT_FALSE(make_container_spec({}, f));
  f.devices = {};
  f.timezone = "../../etc/shadow";
  EXPECT_FALSE(make_container_spec({}, f));
}

}  // namespace
}  // namespace sbx::containers
