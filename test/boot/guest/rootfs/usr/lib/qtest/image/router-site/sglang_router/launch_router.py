"""`python3 -m sglang_router.launch_router` (and `smg.launch_router`, its successor) stand-in: like
the real router it waits up to --worker-startup-timeout-secs for every --worker-urls worker's
health endpoint (--health-check-endpoint, default /health), exits 1 if one never answers, then
serves /health on --port and Prometheus metrics on --prometheus-port."""
import argparse
import sys
import time
import urllib.request

import qtest_serve


def healthy(url, path):
    try:
        with urllib.request.urlopen(f"{url}{path}", timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=30000)
    p.add_argument("--worker-urls", nargs="+", default=[])
    p.add_argument("--policy", default="cache_aware")
    p.add_argument("--worker-startup-timeout-secs", type=int, default=300)
    p.add_argument("--prometheus-host", default="127.0.0.1")
    p.add_argument("--prometheus-port", type=int, default=29000)
    p.add_argument("--health-check-endpoint", default="/health")
    args, _ = p.parse_known_args()
    qtest_serve.record("router", argv=sys.argv[1:])
    deadline = time.monotonic() + args.worker_startup_timeout_secs
    while not all(healthy(u, args.health_check_endpoint) for u in args.worker_urls):
        if time.monotonic() > deadline:
            print("sglang-router (stand-in): workers not healthy in time", file=sys.stderr, flush=True)
            sys.exit(1)
        time.sleep(2)

    def route(path, headers):
        path = path.split("?")[0]
        if path in ("/health", "/health_generate"):
            return 200, "text/plain", ""
        if path == "/metrics":
            return 200, "text/plain", f"sgl_router_active_workers {len(args.worker_urls)}\n"
        return 404, "text/plain", "not found"

    qtest_serve.serve([args.port, args.prometheus_port], route)


if __name__ == "__main__":
    main()
