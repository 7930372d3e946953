"""Hostile layers (tests/rig/images/EXPECTATIONS.md lists what a pull of each must do).

Each image is the busybox base layer plus one or two crafted layers. Every entry meant to land
outside the layer is named sbx-evil-*, so a test can look for that name on the host and in the
store after a pull. Cases follow containerd's TestBreakouts and containers/storage's
TestUntarInvalid*."""

import tarfile

from ocilayout import Layer, TarBuilder

DEEP = "../" * 16  # enough ".." to reach / from any store location


def _tar(build):
    return Layer.from_tar(build(TarBuilder()).bytes())


def _huge_truncated_tar():
    """A regular file whose header claims 1 TiB; the stream stops after 1 MiB of data."""
    info = tarfile.TarInfo("sbx-huge")
    info.size = 1 << 40
    info.mode, info.mtime = 0o644, 1704067200
    header = info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")  # base-256 size field
    return header + b"\0" * (1 << 20)


# name -> list of layer builders (each a TarBuilder -> TarBuilder function)
CASES = {
    "dotdot": [lambda t: t.file("../sbx-evil-dotdot", "dotdot\n")],
    "dotdot-deep": [lambda t: t.file(DEEP + "tmp/sbx-evil-dotdot-deep", "dotdot\n")],
    "dotdot-nested": [
        lambda t: t.dir("a").file("a/../../sbx-evil-dotdot-nested", "dotdot\n")],
    "absolute": [
        lambda t: t.file("/sbx-absolute", "absolute\n").dir("/etc/sbx-absolute-dir")
        .file("/etc/sbx-absolute-dir/file", "absolute\n")],
    "symlink-root": [
        lambda t: t.symlink("escape", "/").file("escape/tmp/sbx-evil-symlink-root", "symlink\n")],
    "symlink-dotdot": [
        lambda t: t.symlink("escape", DEEP + "tmp")
        .file("escape/sbx-evil-symlink-dotdot", "symlink\n")],
    "symlink-layers": [
        lambda t: t.symlink("escape", "/tmp"),
        lambda t: t.file("escape/sbx-evil-symlink-layers", "symlink\n")],
    "hardlink-abs": [lambda t: t.hardlink("sbx-evil-hardlink-abs", "/etc/passwd")],
    "hardlink-dotdot": [lambda t: t.hardlink("sbx-evil-hardlink-dotdot", DEEP + "etc/passwd")],
    "hardlink-symlink": [
        lambda t: t.symlink("passwdlink", DEEP + "etc/passwd")
        .hardlink("sbx-evil-hardlink-symlink", "passwdlink")],
    "device": [
        lambda t: t.file("sbx-lower-file", "lower\n"),
        lambda t: t.device("sbx-dev-null", True, 1, 3, 0o666).device("sbx-dev-sda", False, 8, 0)
        .device("sbx-dev-mem", True, 1, 1).device("sbx-lower-file", True, 0, 0)
        .file("sbx-device-ok", "ok\n")],
    "whiteout-dotdot": [
        lambda t: t.dir("sbx-keep").file("sbx-keep/file", "keep\n"),
        lambda t: t.dir("sbx-keep").file("sbx-keep/.wh...")],
    "whiteout-escape": [
        lambda t: t.dir("sbx-keep").file("sbx-keep/file", "keep\n"),
        lambda t: t.file("../.wh.sbx-keep").file(DEEP + "tmp/.wh.sbx-evil-whiteout")],
}


def build_all(layout, base_tag, tag_prefix="hostile-"):
    """Tags hostile-<case> in layout for every case; returns the tags."""
    base = layout.layers_of(base_tag)
    tags = []
    for name, builders in CASES.items():
        layers = base + [_tar(build) for build in builders]
        tags.append(tag_prefix + name)
        layout.tag(layout.image(layers), tags[-1])
    huge = _huge_truncated_tar()
    tags.append(tag_prefix + "huge")
    layout.tag(layout.image(base + [Layer.from_tar(huge, level=1)]), tags[-1])
    return tags
