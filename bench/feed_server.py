#!/usr/bin/env python3
"""feed_server.py CORPUS_FEED_DIR READY_FILE [options]

A local HTTP/1.1 feed server for bench/fetch.sh (standard library only,
asyncio, one thread). It listens on HOSTS loopback addresses 127.0.0.B ..
127.0.0.(B+HOSTS-1), all on one port, and serves HOSTS*PER_HOST feeds: feed i
is /feed-NNNN.xml on 127.0.0.(B + i // PER_HOST); its body is the corpus file
number i % (number of corpus files), in name order. A feed asked for on any
other address is a 404.

Every feed response waits LATENCY seconds first; a 304 waits LATENCY_304
seconds (default: LATENCY, so 200 and 304 alike). Each
feed has a strong ETag (a hash of its bytes); a request whose If-None-Match
names it gets 304 Not Modified with no body. Connections are kept alive
(HTTP/1.1) unless the client asks to close.

Counted per address and overall (current and maximum since the last reset):
  - requests in flight: from a request's header being read until its
    response is written; this is what the client's fetch limits bound;
  - open TCP connections: idle kept-alive connections count too.
Also counted: responses per status, connections accepted, requests.

Control (on any of the addresses; neither delayed nor counted):
  GET /__stats          the counters as JSON
  GET /__stats?reset=1  the counters as JSON, then reset them
  GET /__quit           stop the server

When all addresses are bound, READY_FILE gets {"port": P, "pid": PID}
(written to a temp file, then renamed). The server stops by itself after
--max-seconds (default 600), when its parent process goes away, on /__quit,
or on SIGTERM/SIGINT.

Options: --base-octet B (2) --hosts N (50) --per-host N (10) --port P (0:
pick a free one) --latency S (0.1) --latency-304 S (-1: same as --latency)
--max-seconds S (600)
"""
import asyncio
import hashlib
import json
import os
import signal
import sys
import time
from email.utils import formatdate

from serve_common import announce, bind_all, parse_options, run_until_stopped

CTRL = ("/__stats", "/__quit")


class Stats:
    def __init__(self, addrs):
        self.addrs = addrs
        self.reset()

    def reset(self):
        """Zeroes the counts; the current figures (connections still open,
        requests in flight) carry over and the maxima restart from them."""
        if not hasattr(self, "conns"):
            self.conns = {a: 0 for a in self.addrs}
            self.inflight = {a: 0 for a in self.addrs}
        self.inflight_max = dict(self.inflight)
        self.conns_max = dict(self.conns)
        self.total_inflight = self.total_inflight_max = sum(self.inflight.values())
        self.total_conns = self.total_conns_max = sum(self.conns.values())
        self.accepted = 0
        self.requests = 0
        self.status = {}
        self.first_request = self.last_response = None
        self.first_request_epoch = self.last_response_epoch = None

    def conn_open(self, a):
        self.accepted += 1
        self.conns[a] += 1
        self.conns_max[a] = max(self.conns_max[a], self.conns[a])
        self.total_conns += 1
        self.total_conns_max = max(self.total_conns_max, self.total_conns)

    def conn_close(self, a):
        self.conns[a] -= 1
        self.total_conns -= 1

    def req_start(self, a):
        self.requests += 1
        if self.first_request is None:
            self.first_request = time.monotonic()
            self.first_request_epoch = time.time()
        self.inflight[a] += 1
        self.inflight_max[a] = max(self.inflight_max[a], self.inflight[a])
        self.total_inflight += 1
        self.total_inflight_max = max(self.total_inflight_max, self.total_inflight)

    def req_end(self, a, code):
        self.inflight[a] -= 1
        self.total_inflight -= 1
        self.status[str(code)] = self.status.get(str(code), 0) + 1
        self.last_response = time.monotonic()
        self.last_response_epoch = time.time()

    def as_json(self):
        per_inflight = max(self.inflight_max.values())
        per_conns = max(self.conns_max.values())
        return {
            "requests": self.requests,
            "status": self.status,
            "connections_accepted": self.accepted,
            "max_inflight_overall": self.total_inflight_max,
            "max_inflight_per_address": per_inflight,
            "addresses_at_max_inflight": sorted(a for a, v in self.inflight_max.items() if v == per_inflight),
            "max_open_connections_overall": self.total_conns_max,
            "max_open_connections_per_address": per_conns,
            "inflight_max_by_address": self.inflight_max,
            "open_connections_max_by_address": self.conns_max,
            "first_request_epoch": self.first_request_epoch,
            "last_response_epoch": self.last_response_epoch,
            "first_request_to_last_response_s": (
                round(self.last_response - self.first_request, 3)
                if self.first_request is not None and self.last_response is not None else None),
        }


def reason(code):
    return {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed"}.get(code, "Status")


def main(argv):
    opts = {"--base-octet": 2, "--hosts": 50, "--per-host": 10, "--port": 0,
            "--latency": 0.1, "--latency-304": -1.0, "--max-seconds": 600.0}
    parsed = parse_options(argv, opts, 2, __doc__)
    if isinstance(parsed, int):
        return parsed
    opts, pos = parsed
    feed_dir, ready = pos
    base, hosts, per_host = opts["--base-octet"], opts["--hosts"], opts["--per-host"]
    if not (1 <= base and base + hosts - 1 <= 254):
        sys.stderr.write("addresses must stay within 127.0.0.1-254\n")
        return 2
    addrs = ["127.0.0.%d" % (base + h) for h in range(hosts)]

    files = sorted(f for f in os.listdir(feed_dir) if f.endswith(".xml"))
    if not files:
        sys.stderr.write("no *.xml feeds in %s\n" % feed_dir)
        return 2
    bodies = []
    for f in files:
        with open(os.path.join(feed_dir, f), "rb") as fh:
            data = fh.read()
        ctype = "application/atom+xml" if f.endswith(".atom.xml") else "application/rss+xml"
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:24]
        bodies.append((data, ctype + "; charset=utf-8", etag))
    # path -> (address, body index)
    feeds = {"/feed-%04d.xml" % i: (addrs[i // per_host], i % len(bodies)) for i in range(hosts * per_host)}
    latency = opts["--latency"]
    latency_304 = latency if opts["--latency-304"] < 0 else opts["--latency-304"]
    stats = Stats(addrs)
    stop = None  # asyncio.Event, made inside the loop

    def etag_matches(header, etag):
        if header is None:
            return False
        for tag in header.split(","):
            tag = tag.strip()
            if tag == "*" or (tag[2:] if tag.startswith("W/") else tag) == etag:
                return True
        return False

    async def handle(reader, writer):
        local = writer.get_extra_info("sockname")[0]
        stats.conn_open(local)
        counted = True  # a control connection stops counting as soon as it is known
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                if len(parts) != 3:
                    method, target, version = "", "", "HTTP/1.1"
                else:
                    method, target, version = parts
                n = int(headers.get("content-length", "0") or 0)
                if n:
                    await reader.readexactly(n)
                close = (headers.get("connection", "").lower() == "close"
                         or (version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive"))
                path, _, query = target.partition("?")

                if path in CTRL:
                    if counted:
                        stats.conn_close(local)
                        stats.accepted -= 1
                        counted = False
                    if path == "/__quit":
                        body, code = b'{"stopping": true}\n', 200
                        stop.set()
                    else:
                        body = (json.dumps(stats.as_json(), indent=1) + "\n").encode()
                        code = 200
                        if "reset=1" in query:
                            stats.reset()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                    await writer.drain()
                    return

                stats.req_start(local)
                code = 500
                try:
                    extra, body = [], b""
                    feed = feeds.get(path)
                    if method not in ("GET", "HEAD"):
                        code, body = 405, b"method not allowed\n"
                        extra.append("Allow: GET, HEAD")
                    elif feed is None or feed[0] != local:
                        code, body = 404, b"not found\n"
                    else:
                        data, ctype, etag = bodies[feed[1]]
                        extra.append("ETag: " + etag)
                        if etag_matches(headers.get("if-none-match"), etag):
                            code = 304
                        else:
                            code, body = 200, data
                            extra.append("Content-Type: " + ctype)
                    # The delay is decided by the answer: a 304 may model a
                    # server that checks a validator without building the feed.
                    await asyncio.sleep(latency_304 if code == 304 else latency)
                    hdr = ["HTTP/1.1 %d %s" % (code, reason(code)),
                           "Date: " + formatdate(usegmt=True), "Server: feedwright-bench"] + extra
                    if code != 304:
                        hdr.append("Content-Length: %d" % len(body))
                    if close:
                        hdr.append("Connection: close")
                    writer.write(("\r\n".join(hdr) + "\r\n\r\n").encode("latin-1"))
                    if method != "HEAD" and code != 304:
                        writer.write(body)
                    await writer.drain()
                finally:
                    stats.req_end(local, code)
                if close:
                    return
        except ConnectionError:
            return
        finally:
            if counted:
                stats.conn_close(local)
            try:
                writer.close()
            except Exception:
                pass

    async def serve():
        nonlocal stop
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        bound = await bind_all("feed_server", handle, addrs, opts["--port"])
        if bound is None:
            return 1
        servers, port = bound
        announce(ready, port)
        sys.stderr.write("feed_server: %d feeds on %s..%s port %d, latency %.3f s (304: %.3f s), stops after %.0f s\n" % (
            len(feeds), addrs[0], addrs[-1], port, latency, latency_304, opts["--max-seconds"]))

        return await run_until_stopped("feed_server", stop, opts["--max-seconds"], servers)

    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
