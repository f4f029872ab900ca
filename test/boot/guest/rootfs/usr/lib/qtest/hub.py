"""A stand-in for the Hugging Face Hub on the guest's own loopback.

- http://127.0.0.1:8088 is the hub: `GET /api/models/{repo}/revision/{rev}?blobs=true` lists any
  repository (generated on first use, the same bytes on every boot), `/{repo}/resolve/{rev}/{file}`
  serves small files and redirects LFS files (the weights) to the CDN.
- http://127.0.0.2:8088 is the CDN (another host, so credentials must not follow the redirect):
  `/cdn/{sha256}` serves LFS blobs with Range requests.
- Injected failures from the scenario (`hub`): `downSeconds` (nothing listens until that uptime:
  connections are refused), `failOnce` (the first download of each LFS blob breaks off halfway),
  `throttleBps` (each connection is paced to that many bytes per second), `shardBytes`.
- Every request is logged to /run/qtest/hub.log (JSON lines) for the report.
- Content depends on the repository only (any revision lists the same files); the known
  repositories are generated at start, before the node asks.

Repositories look like Qwen's: config, tokenizer, a safetensors index and N shards, each a valid
safetensors file holding one U8 tensor, so a server can check the files it loads.
"""
import hashlib
import json
import os
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

PORT = 8088
HUB = "127.0.0.1"
CDN = "127.0.0.2"
LOG = "/run/qtest/hub.log"
# Shard counts of the real repositories; any other repository gets 4.
SHARDS = {"Qwen/Qwen3-32B": 17, "Qwen/Qwen2.5-VL-32B-Instruct": 18}

with open("/run/qtest/scenario.json") as f:
    SETTINGS = json.load(f)["hub"]

LOCK = threading.Lock()
REPOS = {}  # repo -> {path: bytes}, the same at every revision
BLOBS = {}  # sha256 -> bytes
BROKEN_ONCE = set()


def safetensors(name, n, seed):
    header = json.dumps({"__metadata__": {"format": "pt"}, name: {"dtype": "U8", "shape": [n], "data_offsets": [0, n]}}).encode()
    header += b" " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header + random.Random(seed).randbytes(n)


def repo_files(repo, rev=""):
    with LOCK:
        if repo not in REPOS:
            n = SHARDS.get(repo, 4)
            size = int(SETTINGS.get("shardBytes", 262144))
            files = {}
            weight_map = {}
            for k in range(1, n + 1):
                shard = f"model-{k:05d}-of-{n:05d}.safetensors"
                files[shard] = safetensors(f"model.layers.{k}.weight", size, f"{repo}#{k}")
                weight_map[f"model.layers.{k}.weight"] = shard
            files["model.safetensors.index.json"] = json.dumps({"metadata": {"total_size": n * size}, "weight_map": weight_map}, indent=2).encode()
            files["config.json"] = json.dumps({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "_name_or_path": repo}).encode()
            files["generation_config.json"] = b'{"do_sample": true}\n'
            files["tokenizer.json"] = json.dumps({"version": "1.0", "model": {"type": "BPE"}, "repo": repo}).encode()
            files["tokenizer_config.json"] = b'{"model_max_length": 131072}\n'
            files["README.md"] = f"# {repo} (boot test stand-in)\n".encode()
            files[".gitattributes"] = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
            REPOS[repo] = files
            for path, data in files.items():
                if is_lfs(path):
                    BLOBS[hashlib.sha256(data).hexdigest()] = data
        return REPOS[repo]


def is_lfs(path):
    return path.endswith(".safetensors") or path == "tokenizer.json"


def sibling(path, data):
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    entry = {"rfilename": path, "size": len(data), "blobId": blob}
    if is_lfs(path):
        entry["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
    return entry


def log(**fields):
    with open(LOG, "a") as f:
        f.write(json.dumps({"t": time.clock_gettime(time.CLOCK_BOOTTIME), **fields}) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_HEAD(self):
        self.handle_request(head=True)

    def do_GET(self):
        self.handle_request(head=False)

    def handle_request(self, head):
        host = self.server.server_address[0]
        url = urlsplit(self.path)
        path = unquote(url.path)
        entry = {"host": host, "method": self.command, "path": self.path, "range": self.headers.get("Range"), "auth": bool(self.headers.get("Authorization"))}
        status, sent = self.route(host, path, head)
        log(**entry, status=status, bytes=sent)

    def route(self, host, path, head):
        if host == HUB and path.startswith("/api/models/") and "/revision/" in path:
            repo, rev = path[len("/api/models/"):].split("/revision/", 1)
            files = repo_files(repo, rev)
            body = json.dumps({"id": repo, "sha": rev, "siblings": [sibling(p, d) for p, d in sorted(files.items())]}).encode()
            return self.send(200, body, head, {"Content-Type": "application/json"})
        if host == HUB and "/resolve/" in path:
            repo, rest = path.lstrip("/").split("/resolve/", 1)
            rev, file = rest.split("/", 1)
            files = repo_files(repo, rev)
            if file not in files:
                return self.send(404, b"Entry not found", head)
            if is_lfs(file):
                sha = hashlib.sha256(files[file]).hexdigest()
                return self.send(302, b"", head, {"Location": f"http://{CDN}:{PORT}/cdn/{sha}?X-Amz-Signature=test"})
            return self.send_range(files[file], head)
        if host == CDN and path.startswith("/cdn/"):
            sha = path[len("/cdn/"):]
            if sha not in BLOBS:
                return self.send(404, b"NoSuchKey", head)
            broken = False
            with LOCK:
                if SETTINGS.get("failOnce") and sha not in BROKEN_ONCE and not head:
                    BROKEN_ONCE.add(sha)
                    broken = True
            return self.send_range(BLOBS[sha], head, broken)
        return self.send(404, b"not found", head)

    def send(self, status, body, head, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        return status, 0 if head else len(body)

    def send_range(self, data, head, broken=False):
        start, end = 0, len(data) - 1
        status = 200
        spec = self.headers.get("Range")
        if spec and spec.startswith("bytes="):
            a, _, b = spec[len("bytes="):].partition("-")
            start = int(a) if a else len(data) - int(b)
            end = int(b) if a and b else len(data) - 1
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 416, 0
            status = 206
        self.send_response(status)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"' + hashlib.sha256(data).hexdigest() + '"')
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        if head:
            return status, 0
        body = data[start:end + 1]
        if broken:
            body = body[: len(body) // 2]
        rate = int(SETTINGS.get("throttleBps", 0))
        chunk = 65536
        began = time.monotonic()
        sent = 0
        try:
            for i in range(0, len(body), chunk):
                self.wfile.write(body[i:i + chunk])
                sent += len(body[i:i + chunk])
                if rate:
                    ahead = sent / rate - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if broken:
            self.close_connection = True
        return status, sent

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True


def main():
    os.makedirs("/run/qtest", exist_ok=True)
    # Generated before anyone asks, so a download's time is the transfer's, not the stand-in's.
    for repo in SHARDS:
        repo_files(repo)
    down = float(SETTINGS.get("downSeconds", 0))
    while time.clock_gettime(time.CLOCK_BOOTTIME) < down:
        time.sleep(0.5)
    log(event="up")
    cdn = Server((CDN, PORT), Handler)
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    Server((HUB, PORT), Handler).serve_forever()


main()
