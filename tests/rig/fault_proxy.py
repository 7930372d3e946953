#!/usr/bin/python3
"""An HTTP proxy in front of the rig's anonymous registry that injects faults on request.

A plain path is forwarded untouched: 127.0.0.1:5004/test/busybox:latest works as :5000 does.
A repository path starting with fault/<nonce>/<mode>/ selects a fault and is forwarded with that
prefix removed, so each test picks its own fault and nonce (state is kept per nonce and path):

    sandbox pull 127.0.0.1:5004/fault/<nonce>/blob-500x2/test/busybox:latest

<mode> is <target>-<fault>[x<count>][p<pass>]:
  target: blob (GET/HEAD /v2/<name>/blobs/...), manifest (/manifests/...), any,
          upload (PATCH/PUT with a body to /v2/<name>/blobs/uploads/...: a push)
  fault:  500, 502, 503, 429 ... answer that HTTP status (with Retry-After: 0 for 429/503)
          reset    send the headers and half the body, then reset the connection (RST)
          trunc    send the headers and half the body, then close cleanly (FIN)
          badlen   declare a Content-Length one byte short of the body and send that much
          stall    send the headers and half the body, then hang for 600 s
          slow     send the body at 256 KiB/s (no count: every request)
  count:  how many requests per path get the fault before it passes through (default 1).
  pass:   how many matching requests pass untouched before the faults begin (default 0).
Only requests without a Range header (or bytes=0-) are faulted, so a resumed download (bytes=N-)
goes through to the registry, which answers 206.

Uploads: every upload session has its own path, so `upload` counts are kept per nonce and mode
(not per path); its faults act on the request body: reset (read half the body, then RST, no
answer), trunc (read half, close), 500... (read the body, answer that status). Location headers
the registry answers are rewritten to point back through the proxy (with the fault prefix), so a
client follows its upload session through here. `--listen 127.0.0.1:0` picks a free port and
prints "listening on HOST:PORT" on stdout (a test's private proxy).

GET /_rig/log?nonce=N answers the JSON list of requests seen for nonce N:
  [{"method", "path" (upstream path), "range", "status", "fault"}...]
GET /_rig/health answers 200.
"""

import argparse
import http.client
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULT_PATH = re.compile(
    r"^/v2/fault/([a-z0-9]+)/([a-z]+)-([a-z0-9]+?)(?:x([0-9]+))?(?:p([0-9]+))?/(.+)$")
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade", "content-length"}
CHUNK = 65536
SLOW_RATE = 256 * 1024


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}  # (nonce, mode, upstream path) -> faults injected so far
        self.log = {}  # nonce -> [entries]

    def take_fault(self, key, limit, passes=0):
        with self.lock:
            used = self.counts.get(key, 0)
            self.counts[key] = used + 1
            return passes <= used < passes + limit

    def record(self, nonce, entry):
        if not nonce:
            return
        with self.lock:
            self.log.setdefault(nonce, []).append(entry)

    def entries(self, nonce):
        with self.lock:
            return list(self.log.get(nonce, []))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # "127.0.0.1:5000"
    state = None

    def log_message(self, fmt, *args):
        sys.stderr.write("fault_proxy: %s - %s\n" % (self.address_string(), fmt % args))

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def parse_fault(self):
        """(nonce, target, fault, count, passes, upstream path) or None for a plain path."""
        split = urllib.parse.urlsplit(self.path)
        m = FAULT_PATH.match(split.path)
        if not m:
            return None
        nonce, target, fault, count, passes, rest = m.groups()
        upstream = "/v2/" + rest + ("?" + split.query if split.query else "")
        return nonce, target, fault, int(count or 1), int(passes or 0), upstream

    def is_upload(self, path):
        return (self.command in ("PATCH", "PUT") and "/blobs/uploads/" in path and
                int(self.headers.get("Content-Length") or 0) > 0)

    def target_matches(self, target, path):
        if target == "any":
            return True
        if target == "upload":
            return self.is_upload(path)
        kind = {"blob": "/blobs/", "manifest": "/manifests/"}.get(target)
        return kind is not None and kind in path

    def do_GET(self):
        self.forward()

    def do_HEAD(self):
        self.forward()

    def do_POST(self):
        self.forward()

    def do_PUT(self):
        self.forward()

    def do_PATCH(self):
        self.forward()

    def do_DELETE(self):
        self.forward()

    def forward(self):
        split = urllib.parse.urlsplit(self.path)
        if split.path == "/_rig/health":
            return self.send_json(200, {"ok": True})
        if split.path == "/_rig/log":
            nonce = urllib.parse.parse_qs(split.query).get("nonce", [""])[0]
            return self.send_json(200, self.state.entries(nonce))
        parsed = self.parse_fault()
        nonce, fault, upstream_path, prefix = "", "", self.path, ""
        if parsed:
            nonce, target, kind, count, passes, upstream_path = parsed
            prefix = "fault/%s/%s/" % (nonce, self.path.split("/")[4])
            path_key = "upload" if target == "upload" else urllib.parse.urlsplit(upstream_path).path
            key = (nonce, target + kind, path_key)
            if (self.target_matches(target, upstream_path) and
                    (kind == "slow" or self.headers.get("Range", "bytes=0-") == "bytes=0-") and
                    (kind == "slow" or self.state.take_fault(key, count, passes))):
                fault = kind
        entry = {"method": self.command, "path": upstream_path,
                 "range": self.headers.get("Range", ""), "fault": fault, "status": 0}
        try:
            if fault and self.is_upload(upstream_path):
                self.fault_upload(fault, entry)
            else:
                self.relay(upstream_path, fault, entry, prefix)
        finally:
            self.state.record(nonce, entry)

    def read_request_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else None

    def fault_upload(self, fault, entry):
        """Cuts (or refuses) an upload after taking half of its body."""
        length = int(self.headers.get("Content-Length") or 0)
        if fault.isdigit():
            self.rfile.read(length)
            entry["status"] = int(fault)
            self.send_response(int(fault))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.rfile.read(length // 2)
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def rewrite_location(self, location, prefix):
        """An upstream Location (absolute or a path) back through this proxy, fault prefix kept."""
        split = urllib.parse.urlsplit(location)
        path = split.path
        if path.startswith("/v2/") and prefix:
            path = "/v2/" + prefix + path[len("/v2/"):]
        own = "http://" + self.headers.get("Host", "%s:%d" % self.server.server_address[:2])
        return own + path + ("?" + split.query if split.query else "")

    def relay(self, path, fault, entry, prefix=""):
        body = self.read_request_body()
        if fault.isdigit():
            entry["status"] = int(fault)
            self.send_response(int(fault))
            self.send_header("Content-Length", "0")
            if fault in ("429", "503"):
                self.send_header("Retry-After", "0")
            self.end_headers()
            return
        conn = http.client.HTTPConnection(self.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        headers["Host"] = self.upstream
        conn.request(self.command, path, body=body, headers=headers)
        resp = conn.getresponse()
        self.location_prefix = prefix
        entry["status"] = resp.status
        body_length = int(resp.getheader("Content-Length") or -1)
        if self.command == "HEAD" or body_length < 0 or fault == "" or fault == "slow":
            return self.pass_through(resp, body_length, fault == "slow")
        declared = body_length - 1 if fault == "badlen" else body_length
        sent_length = declared if fault == "badlen" else body_length // 2
        self.send_headers(resp, declared)
        self.copy_body(resp, sent_length, slow=False)
        self.wfile.flush()
        conn.close()
        if fault == "stall":
            time.sleep(600)
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if fault in ("reset", "trunc", "stall"):
            self.close_connection = True
            self.connection.close()

    def send_headers(self, resp, length):
        self.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() == "location":
                value = self.rewrite_location(value, getattr(self, "location_prefix", ""))
            if name.lower() not in HOP_HEADERS:
                self.send_header(name, value)
        if length >= 0:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def pass_through(self, resp, body_length, slow):
        if body_length < 0 and self.command != "HEAD":
            # No length from upstream: read it all, then send with a length.
            data = resp.read()
            self.send_headers(resp, len(data))
            self.wfile.write(data)
            return
        self.send_headers(resp, body_length)
        if self.command != "HEAD":
            self.copy_body(resp, body_length, slow)

    def copy_body(self, resp, length, slow):
        left = length
        while left > 0:
            chunk = resp.read(min(CHUNK, left))
            if not chunk:
                break
            self.wfile.write(chunk)
            left -= len(chunk)
            if slow:
                self.wfile.flush()
                time.sleep(len(chunk) / SLOW_RATE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:5004")
    parser.add_argument("--upstream", default="127.0.0.1:5000")
    args = parser.parse_args()
    Handler.upstream = args.upstream
    Handler.state = State()
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    if int(port) == 0:
        print("listening on %s:%d" % server.server_address[:2], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
