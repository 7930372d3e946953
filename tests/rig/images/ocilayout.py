"""A hand-rolled OCI image layout (blobs + index.json), for images that umoci cannot make:
hostile layers, an index over two platforms, a layer whose corrupted twin has the same length.

Python standard library only; run with Debian's /usr/bin/python3."""

import gzip
import hashlib
import io
import json
import os
import tarfile

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"
FIXED_TIME = "2024-01-01T00:00:00Z"
FIXED_MTIME = 1704067200  # FIXED_TIME as a Unix time


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def gzip_bytes(data, level=6):
    """gzip with mtime 0, so the same input always gives the same blob."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=level, mtime=0) as stream:
        stream.write(data)
    return out.getvalue()


class Layer:
    """One layer blob: the bytes as stored, their media type, and the uncompressed diff_id."""

    def __init__(self, blob, media_type, diff_id):
        self.blob, self.media_type, self.diff_id = blob, media_type, diff_id

    @staticmethod
    def from_tar(tar, compress=True, level=6):
        if compress:
            return Layer(gzip_bytes(tar, level), LAYER_GZIP, sha256(tar))
        return Layer(tar, LAYER_TAR, sha256(tar))


class TarBuilder:
    """Writes tar entries exactly as given: names are not cleaned, so hostile ones survive."""

    def __init__(self, fmt=tarfile.PAX_FORMAT):
        self.out = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.out, mode="w", format=fmt)

    def _info(self, name, kind, mode, uid, gid):
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.uid, info.gid = kind, mode, uid, gid
        info.mtime = FIXED_MTIME
        info.uname = info.gname = ""
        return info

    def dir(self, name, mode=0o755, uid=0, gid=0):
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode, uid, gid))
        return self

    def file(self, name, data=b"", mode=0o644, uid=0, gid=0):
        if isinstance(data, str):
            data = data.encode()
        info = self._info(name, tarfile.REGTYPE, mode, uid, gid)
        info.size = len(data)
        self.tar.addfile(info, io.BytesIO(data))
        return self

    def symlink(self, name, target, uid=0, gid=0):
        info = self._info(name, tarfile.SYMTYPE, 0o777, uid, gid)
        info.linkname = target
        self.tar.addfile(info)
        return self

    def hardlink(self, name, target, mode=0o644, uid=0, gid=0):
        info = self._info(name, tarfile.LNKTYPE, mode, uid, gid)
        info.linkname = target
        self.tar.addfile(info)
        return self

    def device(self, name, char, major, minor, mode=0o600):
        kind = tarfile.CHRTYPE if char else tarfile.BLKTYPE
        info = self._info(name, kind, mode, 0, 0)
        info.devmajor, info.devminor = major, minor
        self.tar.addfile(info)
        return self

    def fifo(self, name, mode=0o644):
        self.tar.addfile(self._info(name, tarfile.FIFOTYPE, mode, 0, 0))
        return self

    def bytes(self):
        self.tar.close()
        return self.out.getvalue()


class Layout:
    """An OCI image layout directory; tags live in index.json as ref.name annotations."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        marker = os.path.join(path, "oci-layout")
        if not os.path.exists(marker):
            with open(marker, "w") as f:
                json.dump({"imageLayoutVersion": "1.0.0"}, f)
        index = os.path.join(path, "index.json")
        if os.path.exists(index):
            with open(index) as f:
                self.index = json.load(f)
        else:
            self.index = {"schemaVersion": 2, "manifests": []}

    def _blob_path(self, digest):
        return os.path.join(self.path, "blobs", "sha256", digest.split(":", 1)[1])

    def put_blob(self, data, media_type):
        digest = sha256(data)
        with open(self._blob_path(digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def read_blob(self, digest):
        with open(self._blob_path(digest), "rb") as f:
            return f.read()

    def read_json(self, digest):
        return json.loads(self.read_blob(digest))

    def manifest_for(self, tag):
        for desc in self.index["manifests"]:
            if desc.get("annotations", {}).get(REF_NAME) == tag:
                return self.read_json(desc["digest"])
        raise KeyError("no tag " + tag + " in " + self.path)

    def layers_of(self, tag):
        """The Layer list of an existing single-platform image (e.g. one umoci built)."""
        manifest = self.manifest_for(tag)
        config = self.read_json(manifest["config"]["digest"])
        return [Layer(self.read_blob(d["digest"]), d["mediaType"], diff_id)
                for d, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"])]

    def config_of(self, tag):
        return self.read_json(self.manifest_for(tag)["config"]["digest"])

    def image(self, layers, arch="amd64", os_name="linux", variant=None, config=None,
              media_types=True):
        """Stores config + layers + manifest; returns the manifest descriptor (not tagged)."""
        image_config = {
            "created": FIXED_TIME,
            "architecture": arch,
            "os": os_name,
            "config": config or {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
            "history": [{"created": FIXED_TIME, "created_by": "tests/rig/images"}
                        for _ in layers],
        }
        if variant:
            image_config["variant"] = variant
        manifest = {
            "schemaVersion": 2,
            "config": self.put_blob(canonical_json(image_config), OCI_CONFIG),
            "layers": [self.put_blob(layer.blob, layer.media_type) for layer in layers],
        }
        if media_types:
            manifest["mediaType"] = OCI_MANIFEST
        desc = self.put_blob(canonical_json(manifest), OCI_MANIFEST)
        desc["platform"] = {"architecture": arch, "os": os_name}
        if variant:
            desc["platform"]["variant"] = variant
        return desc

    def index_of(self, manifest_descs):
        """Stores an image index over the given manifests; returns its descriptor."""
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifest_descs}
        return self.put_blob(canonical_json(index), OCI_INDEX)

    def tag(self, desc, name):
        entry = {k: v for k, v in desc.items() if k in ("mediaType", "digest", "size")}
        entry["annotations"] = {REF_NAME: name}
        self.index["manifests"] = [
            d for d in self.index["manifests"] if d.get("annotations", {}).get(REF_NAME) != name]
        self.index["manifests"].append(entry)
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump(self.index, f)
