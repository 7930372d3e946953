#!/usr/bin/python3
"""Checks the pushed test images from the outside, with skopeo and umoci (run as root):
pulls each back from the registry, unpacks it and compares with EXPECTATIONS.md.

  verify.py            uses REGISTRY, REGISTRY_TOKEN, REGISTRY_BASIC, RIG_USER, RIG_PASSWORD
                       and REGISTRY_STORAGE from the environment (build.sh exports them)
Exit status 0 when every check passed; each failure is printed."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hostile  # noqa: E402

ENV = os.environ
REG = ENV["REGISTRY"]
CREDS = ENV.get("RIG_USER", "tester") + ":" + ENV.get("RIG_PASSWORD", "testpass")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("verify: FAIL " + what, file=sys.stderr)
    return ok


def run(*argv, cwd=None):
    return subprocess.run(argv, check=True, capture_output=True, text=True, cwd=cwd).stdout


def raw_manifest(ref, creds=None):
    argv = ["skopeo", "inspect", "--raw", "--tls-verify=false"]
    if creds:
        argv.append("--creds=" + creds)
    return json.loads(run(*argv, "docker://" + ref))


def blob(repo, digest):
    url = "http://%s/v2/%s/blobs/%s" % (REG, repo, digest)
    with urllib.request.urlopen(url) as response:
        return response.read()


def manifest_by_digest(repo, digest):
    request = urllib.request.Request(
        "http://%s/v2/%s/manifests/%s" % (REG, repo, digest),
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def unpack(work, ref, name):
    """skopeo copy into an OCI layout + umoci unpack (as root: owners kept); returns rootfs."""
    layout = os.path.join(work, "oci")
    run("skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + ref,
        "oci:%s:%s" % (layout, name))
    bundle = os.path.join(work, "bundle-" + name)
    run("umoci", "unpack", "--image", "%s:%s" % (layout, name), bundle)
    return os.path.join(bundle, "rootfs")


def listing(rootfs, tops):
    out = run("find", *tops, "-printf", "/%p %y %m %U:%G %n %l\n", cwd=rootfs)
    lines = []
    for line in out.splitlines():
        parts = line.split(" ")
        entry = " ".join(parts[:4])
        if parts[1] == "f":
            entry += " nlink=" + parts[4]
        if parts[1] == "l":
            entry += " -> " + parts[5]
        lines.append(entry)
    return sorted(lines)


def read(rootfs, path):
    with open(os.path.join(rootfs, path.lstrip("/")), "rb") as f:
        return f.read().decode()


def verify_busybox(work):
    for tag, media in (("latest", None), ("v2s2", "application/vnd.docker.distribution.manifest.v2+json")):
        manifest = raw_manifest(REG + "/test/busybox:" + tag)
        check(manifest.get("mediaType") == media, "test/busybox:%s media type %s" % (tag, manifest.get("mediaType")))
    rootfs = unpack(work, REG + "/test/busybox:latest", "busybox")
    check(os.readlink(os.path.join(rootfs, "bin/sh")) == "/bin/busybox", "busybox /bin/sh symlink")
    check(os.stat(os.path.join(rootfs, "tmp")).st_mode & 0o7777 == 0o1777, "busybox /tmp 1777")
    check(os.stat(os.path.join(rootfs, "home/tester")).st_uid == 1000, "busybox /home/tester uid")
    check("tester:x:1000:1000:" in read(rootfs, "/etc/passwd"), "busybox /etc/passwd")
    for registry, repo in ((ENV.get("REGISTRY_TOKEN"), "test/busybox"),
                           (ENV.get("REGISTRY_TOKEN"), "public/busybox"),
                           (ENV.get("REGISTRY_BASIC"), "test/busybox")):
        if registry:
            ref = "%s/%s:latest" % (registry, repo)
            try:
                raw_manifest(ref, CREDS)
            except subprocess.CalledProcessError as error:
                check(False, "%s with credentials: %s" % (ref, error.stderr.strip()))


def verify_layered(work):
    rootfs = unpack(work, REG + "/test/layered:latest", "layered")
    with open(os.path.join(HERE, "layered.expected")) as f:
        expected = sorted(line.strip() for line in f if line.strip() and not line.startswith("#"))
    actual = listing(rootfs, ["data", "home/tester"])
    if not check(actual == expected, "test/layered listing differs from layered.expected"):
        print("\n".join(actual), file=sys.stderr)
    for path, text in (("/data/modified.txt", "v2\n"), ("/data/replaced/new.txt", "new\n"),
                       ("/data/dir-to-file", "now a file\n"), ("/data/keep.txt", "keep\n")):
        check(read(rootfs, path) == text, "test/layered %s content" % path)
    latest = raw_manifest(REG + "/test/layered:latest")
    for tag, decompress in (("zstd", lambda b: run_bytes(["zstd", "-dc"], b)),
                            ("plain", lambda b: b)):
        manifest = raw_manifest(REG + "/test/layered:" + tag)
        check(manifest["config"] == latest["config"], "test/layered:%s config" % tag)
        config = json.loads(blob("test/layered", manifest["config"]["digest"]))
        for layer, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"]):
            check(layer["mediaType"].endswith("tar+zstd" if tag == "zstd" else ".tar"),
                  "test/layered:%s media type %s" % (tag, layer["mediaType"]))
            data = decompress(blob("test/layered", layer["digest"]))
            check("sha256:" + hashlib.sha256(data).hexdigest() == diff_id,
                  "test/layered:%s layer %s diff_id" % (tag, layer["digest"]))


def run_bytes(argv, data):
    return subprocess.run(argv, input=data, check=True, capture_output=True).stdout


def verify_multiarch(_work):
    index = raw_manifest(REG + "/test/multiarch:latest")
    platforms = [(d["platform"]["architecture"], d["platform"].get("variant")) for d in index["manifests"]]
    check(platforms == [("amd64", None), ("arm64", "v8")], "test/multiarch platforms %s" % platforms)
    for desc in index["manifests"]:
        manifest = manifest_by_digest("test/multiarch", desc["digest"])
        top = blob("test/multiarch", manifest["layers"][-1]["digest"])
        with tarfile.open(fileobj=io.BytesIO(zlib.decompress(top, 31))) as tar:
            marker = tar.extractfile("etc/platform-marker").read().decode()
        arch = desc["platform"]["architecture"]
        check(marker.startswith("linux/" + arch), "test/multiarch %s marker %r" % (arch, marker))
        config = json.loads(blob("test/multiarch", manifest["config"]["digest"]))
        check(config["architecture"] == arch, "test/multiarch %s config architecture" % arch)


    docker_list = raw_manifest(REG + "/test/multiarch:v2s2")
    check(docker_list.get("mediaType") == "application/vnd.docker.distribution.manifest.list.v2+json",
          "test/multiarch:v2s2 is a Docker manifest list")
    check([d["platform"] for d in docker_list["manifests"]] == [d["platform"] for d in index["manifests"]],
          "test/multiarch:v2s2 platforms")


def verify_payload(work):
    rootfs = unpack(work, REG + "/test/payload:latest", "payload")
    path = os.path.join(rootfs, "usr/bin/payload")
    check(os.stat(path).st_mode & 0o7777 == 0o755, "test/payload /usr/bin/payload mode")
    out = run("chroot", rootfs, "/usr/bin/payload", "id")
    check(out.startswith("uid=0 "), "test/payload runs in its rootfs: %r" % out)
    config = json.loads(run("skopeo", "inspect", "--config", "--tls-verify=false",
                            "docker://" + REG + "/test/payload:config"))["config"]
    for key, value in (("Entrypoint", ["/usr/bin/payload"]), ("Cmd", ["id"]), ("User", "tester"),
                       ("WorkingDir", "/home/tester"), ("StopSignal", "SIGUSR1")):
        check(config.get(key) == value, "test/payload:config %s = %r" % (key, config.get(key)))
    check("SBX_SPACED=a b  c" in config.get("Env", []), "test/payload:config Env")


def verify_baduid(work):
    rootfs = unpack(work, REG + "/test/baduid:latest", "baduid")
    info = os.lstat(os.path.join(rootfs, "data/baduid-file"))
    check((info.st_uid, info.st_gid) == (200000, 200000), "test/baduid owner")


def verify_corrupt(_work):
    manifest = raw_manifest(REG + "/test/corrupt:latest")
    layer = manifest["layers"][-1]
    data = blob("test/corrupt", layer["digest"])
    check(len(data) == layer["size"], "test/corrupt served size")
    check("sha256:" + hashlib.sha256(data).hexdigest() != layer["digest"],
          "test/corrupt top layer is served intact (not corrupted)")
    with tarfile.open(fileobj=io.BytesIO(zlib.decompress(data, 31))) as tar:
        check("corrupt/data" in tar.getnames(), "test/corrupt twin is a valid gzip tar")


def verify_hostile(_work):
    for case, builders in hostile.CASES.items():
        manifest = raw_manifest("%s/test/hostile-%s:latest" % (REG, case))
        check(len(manifest["layers"]) == 1 + len(builders), "test/hostile-%s layers" % case)
    manifest = raw_manifest(REG + "/test/hostile-huge:latest")
    check(len(manifest["layers"]) == 2, "test/hostile-huge layers")


def main():
    with tempfile.TemporaryDirectory(prefix="sbx-verify-") as work:
        for step in (verify_busybox, verify_layered, verify_multiarch, verify_payload,
                     verify_baduid, verify_corrupt, verify_hostile):
            try:
                step(work)
            except (subprocess.CalledProcessError, OSError, KeyError, ValueError,
                    urllib.error.URLError, zlib.error) as error:
                detail = getattr(error, "stderr", "") or ""
                check(False, "%s: %s %s" % (step.__name__, error, detail.strip()))
    if failures:
        print("verify: %d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("verify: all images as expected", file=sys.stderr)


if __name__ == "__main__":
    main()
