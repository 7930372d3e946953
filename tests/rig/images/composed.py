"""Images assembled by hand on top of the umoci-built busybox base: the two-platform index,
the corrupt-in-registry image, and the hand-written opaque-whiteout layer of test/layered."""

import gzip
import zlib

from ocilayout import Layer, TarBuilder, gzip_bytes, sha256

PLATFORMS = [("amd64", None), ("arm64", "v8")]


def build_multiarch(layout, base_tag, tag="multiarch"):
    """An OCI index over linux/amd64 and linux/arm64/v8; each image adds /etc/platform-marker
    ("linux/amd64\n" or "linux/arm64/v8\n"). The arm64 one reuses the amd64 busybox: it is
    only pulled, never run."""
    base = layout.layers_of(base_tag)
    manifests = []
    for arch, variant in PLATFORMS:
        marker = "linux/" + arch + ("/" + variant if variant else "") + "\n"
        layer = Layer.from_tar(TarBuilder().dir("etc").file("etc/platform-marker", marker).bytes())
        manifests.append(layout.image(base + [layer], arch=arch, variant=variant))
    layout.tag(layout.index_of(manifests), tag)
    return tag


def _stored_gzip(data):
    """gzip with stored (level 0) deflate blocks: the output length depends only on the input
    length, so two same-length tars give same-length blobs."""
    return gzip_bytes(data, level=0)


def build_corrupt(layout, base_tag, bad_blob_path, tag="corrupt"):
    """busybox + one layer only this image has. Writes the layer's evil twin (same length, a
    valid gzip of a valid tar, other bytes) to bad_blob_path; returns the good layer digest."""
    def layer_tar(fill):
        return (TarBuilder().dir("corrupt")
                .file("corrupt/data", fill * 4096 + b"\nsandbox test/corrupt unique layer\n")
                .bytes())

    good_tar, bad_tar = layer_tar(b"G"), layer_tar(b"B")
    good, bad = _stored_gzip(good_tar), _stored_gzip(bad_tar)
    assert len(good) == len(bad) and good != bad
    assert gzip.decompress(bad) == bad_tar and zlib.crc32(bad_tar) != zlib.crc32(good_tar)
    layer = Layer(good, "application/vnd.oci.image.layer.v1.tar+gzip", sha256(good_tar))
    layout.tag(layout.image(layout.layers_of(base_tag) + [layer]), tag)
    with open(bad_blob_path, "wb") as f:
        f.write(bad)
    return sha256(good)


def opaque_layer_tar():
    """The top layer of test/layered, written by hand because umoci's diff never emits an
    opaque whiteout: data/replaced becomes opaque (only new.txt stays visible), a whiteout
    deletes a file from layer 2, and a hardlink pair lives inside this layer."""
    return (TarBuilder()
            .dir("data")
            .dir("data/replaced")
            .file("data/replaced/.wh..wh..opq")
            .file("data/replaced/new.txt", "new\n")
            .file("data/.wh.whiteout-in-4.txt")
            .file("data/layer4-link-a", "layer4\n", mode=0o640, uid=1000, gid=1000)
            .hardlink("data/layer4-link-b", "data/layer4-link-a", mode=0o640, uid=1000, gid=1000)
            .bytes())
