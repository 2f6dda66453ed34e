"""Shared by bench/feed_server.py and bench/article_server.py: reading their
options, binding one port on every loopback address, announcing readiness,
and running until asked to stop, the parent goes away, or a time limit
passes."""
import asyncio
import json
import os
import sys
import time


def parse_options(argv, defaults, positional, doc):
    """`--name value` options (typed like their defaults) and exactly
    `positional` other arguments. Returns (options, arguments), or an exit
    code after printing the usage (0 for --help, 2 for a mistake)."""
    opts, pos = dict(defaults), []
    it = iter(argv)
    for a in it:
        if a in opts:
            opts[a] = type(opts[a])(next(it))
        elif a in ("-h", "--help"):
            print(doc)
            return 0
        else:
            pos.append(a)
    if len(pos) != positional:
        sys.stderr.write(doc)
        return 2
    return opts, pos


async def bind_all(name, handle, addrs, port):
    """Start a server on `port` (0: pick one) on every address, the same
    port everywhere. Returns (servers, port), or None after printing why."""
    for _ in range(50):
        servers, p = [], port
        try:
            for a in addrs:
                s = await asyncio.start_server(handle, a, p, backlog=512)
                p = p or s.sockets[0].getsockname()[1]
                servers.append(s)
            return servers, p
        except OSError as e:
            for s in servers:
                s.close()
            if port:
                sys.stderr.write("%s: cannot bind port %d: %s\n" % (name, port, e))
                return None
    sys.stderr.write("%s: no port free on all %d addresses\n" % (name, len(addrs)))
    return None


def announce(ready, port):
    """Write {port, pid} to `ready` atomically: the script waits for it."""
    tmp = ready + ".tmp"
    with open(tmp, "w") as fh:
        json.dump({"port": port, "pid": os.getpid()}, fh)
    os.replace(tmp, ready)


async def run_until_stopped(name, stop, max_seconds, servers):
    """Serve until `stop` is set, `max_seconds` pass or the parent exits."""
    parent = os.getppid()
    deadline = time.monotonic() + max_seconds
    while not stop.is_set():
        if time.monotonic() >= deadline:
            sys.stderr.write("%s: --max-seconds reached, stopping\n" % name)
            break
        if os.getppid() != parent:
            sys.stderr.write("%s: parent went away, stopping\n" % name)
            break
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except asyncio.TimeoutError:
            pass
    for s in servers:
        s.close()
    return 0
