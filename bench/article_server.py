#!/usr/bin/env python3
"""article_server.py READY_FILE [options]

A local HTTP/1.1 news site for bench/follow.sh (standard library only,
asyncio, one thread): one listing page and N article pages, every response
delayed by LATENCY seconds.

  GET /list.html    on the first address 127.0.0.B: a <ul class="related">
                    of N items, each
                    <li><a href="LINK">title</a><span class="time">2025-03-01 10:00</span></li>
  GET /a/NNN.html   article NNN (000 .. N-1): about 5 KB of generated
                    Chinese text in <div class="article">, a
                    <span class="source">来源：江城日报</span>, and some page
                    furniture (nav, footer) around it.

With --article-hosts 1 the links are relative (/a/NNN.html) and every
article lives on 127.0.0.B. With --article-hosts H > 1 article i lives on
127.0.0.(B + i % H) and the listing links to it absolutely
(http://127.0.0.X:PORT/a/NNN.html); asked for on any other address it is a
404. The server binds 127.0.0.B .. 127.0.0.(B+H-1) and nothing else, all on
one port. Responses carry no ETag / Last-Modified, so the listing page is a
200 on every run.

Each article body holds the marker 基准正文第NNN篇 (in its last paragraph),
which appears nowhere else, so a client's output shows whether an item's
content came from the article page.

Counted per address and overall (maximum since the last reset): requests in
flight (request head read .. response written: what a client's concurrency
limits bound) and open connections; also requests per path kind (list,
article, other), statuses, connections accepted and the time from the first
request to the last response.

Control (any address; neither delayed nor counted):
  GET /__stats          the counters as JSON
  GET /__stats?reset=1  the counters as JSON, then reset them
  GET /__quit           stop the server

When all addresses are bound, READY_FILE gets {"port": P, "pid": PID}
(written to a temp file, then renamed). The server stops by itself after
--max-seconds (default 300), when its parent process goes away, on /__quit,
or on SIGTERM/SIGINT.

Options: --base-octet B (2) --article-hosts H (1) --articles N (200)
--latency S (0.1) --max-seconds S (300) --port P (0: pick a free one)
"""
import asyncio
import json
import os
import random
import signal
import sys
import time

from serve_common import announce, bind_all, parse_options, run_until_stopped

MARKER = "基准正文第%03d篇"

# Word stock for the generated articles (plain, invented city-news vocabulary).
WORDS = ("江城 市民 街道 社区 今年 上午 下午 记者 走访 发现 工作 推进 项目 建设 完成 计划 "
         "部门 表示 相关 负责人 介绍 目前 已经 开始 进一步 服务 群众 需求 改造 老旧 小区 "
         "道路 交通 公交 线路 调整 方便 出行 学校 医院 公园 绿地 环境 整治 河道 治理 水质 "
         "明显 改善 文化 活动 举办 吸引 众多 参与 志愿者 热情 帮助 居民 生活 质量 提升 "
         "企业 发展 就业 岗位 增加 培训 技能 提高 收入 农业 丰收 蔬菜 供应 充足 价格 稳定").split()


def article_text(i):
    """About 5 KB of HTML for article i: paragraphs of generated sentences,
    the marker in the last one. Deterministic (seeded by i)."""
    rng = random.Random(1000 + i)
    paras, size = [], 0
    while size < 4600:
        sentences = []
        for _ in range(rng.randint(3, 5)):
            sentences.append("".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))) + "。")
        p = "<p>%s</p>" % "".join(sentences)
        paras.append(p)
        size += len(p.encode("utf-8"))
    paras.append("<p>本稿件为%s，由基准测试服务器生成，仅供测试使用。</p>" % (MARKER % i))
    return "\n".join(paras)


def article_page(i):
    rng = random.Random(i)
    title = "江城新闻 第%03d号：%s" % (i, "".join(rng.choice(WORDS) for _ in range(3)))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<title>%s</title></head>\n<body>\n"
            "<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/list.html\">本地</a></div>\n"
            "<h1>%s</h1>\n<div class=\"meta\"><span class=\"source\">来源：江城日报</span> "
            "<span class=\"date\">2025-03-01 10:00</span></div>\n"
            "<div class=\"article\">\n%s\n</div>\n"
            "<div class=\"footer\"><a href=\"/about.html\">关于我们</a> 版权所有</div>\n"
            "</body></html>\n" % (title, title, article_text(i))).encode("utf-8")


def listing_page(links):
    items = "\n".join(
        "<li><a href=\"%s\">江城新闻 第%03d号</a><span class=\"time\">2025-03-01 10:00</span></li>" % (link, i)
        for i, link in enumerate(links))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<title>本地新闻</title></head>\n<body>\n<h1>本地新闻</h1>\n"
            "<ul class=\"related\">\n%s\n</ul>\n</body></html>\n" % items).encode("utf-8")


class Stats:
    def __init__(self, addrs):
        self.addrs = addrs
        self.inflight = {a: 0 for a in addrs}
        self.conns = {a: 0 for a in addrs}
        self.reset()

    def reset(self):
        # Current figures carry over; the maxima restart from them.
        self.inflight_max = dict(self.inflight)
        self.conns_max = dict(self.conns)
        self.total_inflight_max = sum(self.inflight.values())
        self.total_conns_max = sum(self.conns.values())
        self.accepted = 0
        self.kinds = {}
        self.status = {}
        self.first = self.last = None
        self.first_epoch = self.last_epoch = None

    def conn(self, a, delta):
        if delta > 0:
            self.accepted += 1
        self.conns[a] += delta
        self.conns_max[a] = max(self.conns_max[a], self.conns[a])
        self.total_conns_max = max(self.total_conns_max, sum(self.conns.values()))

    def start(self, a, kind):
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.first is None:
            self.first, self.first_epoch = time.monotonic(), time.time()
        self.inflight[a] += 1
        self.inflight_max[a] = max(self.inflight_max[a], self.inflight[a])
        self.total_inflight_max = max(self.total_inflight_max, sum(self.inflight.values()))

    def end(self, a, code):
        self.inflight[a] -= 1
        self.status[str(code)] = self.status.get(str(code), 0) + 1
        self.last, self.last_epoch = time.monotonic(), time.time()

    def as_json(self):
        per = max(self.inflight_max.values())
        return {
            "requests": self.kinds,
            "status": self.status,
            "connections_accepted": self.accepted,
            "max_inflight_overall": self.total_inflight_max,
            "max_inflight_per_address": per,
            "addresses_used": sum(1 for v in self.inflight_max.values() if v > 0),
            "max_open_connections_overall": self.total_conns_max,
            "max_open_connections_per_address": max(self.conns_max.values()),
            "inflight_max_by_address": self.inflight_max,
            "first_request_epoch": self.first_epoch,
            "last_response_epoch": self.last_epoch,
            "first_request_to_last_response_s": (
                round(self.last - self.first, 3) if self.first is not None and self.last is not None else None),
        }


def main(argv):
    opts = {"--base-octet": 2, "--article-hosts": 1, "--articles": 200, "--latency": 0.1,
            "--max-seconds": 300.0, "--port": 0}
    parsed = parse_options(argv, opts, 1, __doc__)
    if isinstance(parsed, int):
        return parsed
    opts, pos = parsed
    ready = pos[0]
    base, hosts, n = opts["--base-octet"], opts["--article-hosts"], opts["--articles"]
    if not (1 <= base and hosts >= 1 and base + hosts - 1 <= 254 and 1 <= n <= 1000):
        sys.stderr.write("addresses must stay within 127.0.0.1-254, articles 1-1000\n")
        return 2
    addrs = ["127.0.0.%d" % (base + h) for h in range(hosts)]
    latency = opts["--latency"]
    stats = Stats(addrs)
    pages = {}  # path -> (address it is served on, body)
    for i in range(n):
        pages["/a/%03d.html" % i] = (addrs[i % hosts], article_page(i))
    stop = None

    async def handle(reader, writer):
        local = writer.get_extra_info("sockname")[0]
        stats.conn(local, +1)
        counted = True
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                request = lines[0].split(" ")
                headers = {}
                for line in lines[1:]:
                    k, sep, v = line.partition(":")
                    if sep:
                        headers[k.strip().lower()] = v.strip()
                method, target, version = request if len(request) == 3 else ("", "", "HTTP/1.1")
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                conn_hdr = headers.get("connection", "").lower()
                close = conn_hdr == "close" or (version == "HTTP/1.0" and conn_hdr != "keep-alive")
                path, _, query = target.partition("?")

                if path in ("/__stats", "/__quit"):
                    if counted:  # control connections are not counted
                        stats.conn(local, -1)
                        stats.accepted -= 1
                        counted = False
                    if path == "/__quit":
                        body = b'{"stopping": true}\n'
                        stop.set()
                    else:
                        body = (json.dumps(stats.as_json(), indent=1) + "\n").encode()
                        if "reset=1" in query:
                            stats.reset()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                    await writer.drain()
                    return

                kind = "list" if path == "/list.html" else "article" if path.startswith("/a/") else "other"
                stats.start(local, kind)
                code = 500
                try:
                    await asyncio.sleep(latency)
                    if method not in ("GET", "HEAD"):
                        code, body, ctype = 405, b"method not allowed\n", "text/plain"
                    elif path == "/list.html" and local == addrs[0]:
                        code, body, ctype = 200, listing, "text/html; charset=utf-8"
                    elif path in pages and pages[path][0] == local:
                        code, body, ctype = 200, pages[path][1], "text/html; charset=utf-8"
                    else:
                        code, body, ctype = 404, b"not found\n", "text/plain"
                    hdr = ["HTTP/1.1 %d %s" % (code, {200: "OK", 404: "Not Found"}.get(code, "Error")),
                           "Server: feedwright-bench", "Content-Type: " + ctype,
                           "Content-Length: %d" % len(body)]
                    if close:
                        hdr.append("Connection: close")
                    writer.write(("\r\n".join(hdr) + "\r\n\r\n").encode("latin-1"))
                    if method != "HEAD":
                        writer.write(body)
                    await writer.drain()
                finally:
                    stats.end(local, code)
                if close:
                    return
        except ConnectionError:
            return
        finally:
            if counted:
                stats.conn(local, -1)
            try:
                writer.close()
            except Exception:
                pass

    listing = b""

    async def serve():
        nonlocal stop, listing
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        bound = await bind_all("article_server", handle, addrs, opts["--port"])
        if bound is None:
            return 1
        servers, port = bound
        if hosts == 1:
            links = ["/a/%03d.html" % i for i in range(n)]
        else:
            links = ["http://%s:%d/a/%03d.html" % (addrs[i % hosts], port, i) for i in range(n)]
        listing = listing_page(links)
        announce(ready, port)
        sizes = [len(b) for _, b in pages.values()]
        sys.stderr.write("article_server: listing (%d B) on %s, %d articles (%d-%d B) on %s..%s, port %d, "
                         "latency %.3f s, stops after %.0f s\n" % (
                             len(listing), addrs[0], n, min(sizes), max(sizes), addrs[0], addrs[-1], port,
                             latency, opts["--max-seconds"]))
        return await run_until_stopped("article_server", stop, opts["--max-seconds"], servers)

    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
