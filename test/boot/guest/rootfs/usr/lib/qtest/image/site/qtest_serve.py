"""Tiny HTTP servers for the stand-in containers, bound as Docker would expose them.

A container on `--network host` binds its port on the guest; otherwise a port is reachable only
where `--publish host:container` maps it (QTEST_PORT_MAP), and an unpublished one is bound on an
address nothing checks, as if it stayed inside the container's own network namespace.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def host_port(port):
    if os.environ.get("QTEST_HOST_NETWORK") == "1":
        return "0.0.0.0", port
    for spec in filter(None, os.environ.get("QTEST_PORT_MAP", "").split(",")):
        # [ip:]host:container[/proto]
        parts = spec.split(":")
        host, container = int(parts[-2]), int(parts[-1].split("/")[0])
        if container == port:
            return (parts[0] if len(parts) == 3 else "0.0.0.0"), host
    return "127.254.0.1", port


def record(kind, **fields):
    os.makedirs("/run/qtest", exist_ok=True)
    with open("/run/qtest/servers.log", "a") as f:
        f.write(json.dumps({"t": time.clock_gettime(time.CLOCK_BOOTTIME), "kind": kind, "pid": os.getpid(), **fields}) + "\n")


def serve(ports, route):
    """Serves `route(path, headers) -> (status, content_type, body)` on each container port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, ctype, body = route(self.path, self.headers)
            data = body if isinstance(body, bytes) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    servers = []
    for port in ports:
        addr = host_port(port)
        servers.append(ThreadingHTTPServer(addr, Handler))
        print(f"listening on {addr[0]}:{addr[1]} (container port {port})", file=sys.stderr, flush=True)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def visible_gpus():
    return [g for g in os.environ.get("QTEST_VISIBLE_GPUS", "").split(",") if g]
