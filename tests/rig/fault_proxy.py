#!/usr/bin/python3
"""An HTTP proxy in front of the rig's anonymous registry that injects faults on request.

A plain path is forwarded untouched: 127.0.0.1:5004/test/busybox:latest works as :5000 does.
A repository path starting with fault/<nonce>/<mode>/ selects a fault and is forwarded with that
prefix removed, so each test picks its own fault and nonce (state is kept per nonce and path):

    sandbox pull 127.0.0.1:5004/fault/<nonce>/blob-500x2/test/busybox:latest

<mode> is <target>-<fault>[x<count>]:
  target: blob (GET/HEAD /v2/<name>/blobs/...), manifest (/manifests/...), any
  fault:  500, 502, 503, 429 ... answer that HTTP status (with Retry-After: 0 for 429/503)
          reset    send the headers and half the body, then reset the connection (RST)
          trunc    send the headers and half the body, then close cleanly (FIN)
          badlen   declare a Content-Length one byte short of the body and send that much
          stall    send the headers and half the body, then hang for 600 s
          slow     send the body at 256 KiB/s (no count: every request)
  count:  how many requests per path get the fault before it passes through (default 1).
Only requests without a Range header (or bytes=0-) are faulted, so a resumed download (bytes=N-)
goes through to the registry, which answers 206.

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

FAULT_PATH = re.compile(r"^/v2/fault/([a-z0-9]+)/([a-z]+)-([a-z0-9]+?)(?:x([0-9]+))?/(.+)$")
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade", "content-length"}
CHUNK = 65536
SLOW_RATE = 256 * 1024


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}  # (nonce, mode, upstream path) -> faults injected so far
        self.log = {}  # nonce -> [entries]

    def take_fault(self, key, limit):
        with self.lock:
            used = self.counts.get(key, 0)
            if used >= limit:
                return False
            self.counts[key] = used + 1
            return True

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
        """(nonce, target, fault, count, upstream path) or None for a plain path."""
        split = urllib.parse.urlsplit(self.path)
        m = FAULT_PATH.match(split.path)
        if not m:
            return None
        nonce, target, fault, count, rest = m.groups()
        upstream = "/v2/" + rest + ("?" + split.query if split.query else "")
        return nonce, target, fault, int(count or 1), upstream

    def target_matches(self, target, path):
        if target == "any":
            return True
        kind = {"blob": "/blobs/", "manifest": "/manifests/"}.get(target)
        return kind is not None and kind in path

    def do_GET(self):
        self.forward()

    def do_HEAD(self):
        self.forward()

    def forward(self):
        split = urllib.parse.urlsplit(self.path)
        if split.path == "/_rig/health":
            return self.send_json(200, {"ok": True})
        if split.path == "/_rig/log":
            nonce = urllib.parse.parse_qs(split.query).get("nonce", [""])[0]
            return self.send_json(200, self.state.entries(nonce))
        parsed = self.parse_fault()
        nonce, fault, upstream_path = "", "", self.path
        if parsed:
            nonce, target, kind, count, upstream_path = parsed
            key = (nonce, target + kind, urllib.parse.urlsplit(upstream_path).path)
            if (self.target_matches(target, upstream_path) and
                    (kind == "slow" or self.headers.get("Range", "bytes=0-") == "bytes=0-") and
                    (kind == "slow" or self.state.take_fault(key, count))):
                fault = kind
        entry = {"method": self.command, "path": upstream_path,
                 "range": self.headers.get("Range", ""), "fault": fault, "status": 0}
        try:
            self.relay(upstream_path, fault, entry)
        finally:
            self.state.record(nonce, entry)

    def relay(self, path, fault, entry):
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
        conn.request(self.command, path, headers=headers)
        resp = conn.getresponse()
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
    server.serve_forever()


if __name__ == "__main__":
    main()
