#!/usr/bin/env python3
"""An SGLang 0.4.9.post2 stand-in for router and proxy tests: answers the routes a router and a
client use, in SGLang's shapes, and records every request it receives (method, path, headers,
body) as one JSON line, so a test can compare what arrived with what was sent.

Usage: echo_worker.py --port N --name NAME --log FILE [--host 127.0.0.1] [--bodies DIR]
Bodies are written in full under --bodies (named by arrival index) and summarised in the log by
length and sha256. Streams (`"stream": true`) answer as server-sent events, one chunk every
--chunk-delay seconds, so a test can see them arrive one by one.
"""
import argparse
import hashlib
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--name", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--bodies")
parser.add_argument("--routes", help="SGLang's endpoints.json (test/fixtures/sglang-endpoints.json): paths not listed there answer 404 like FastAPI")
parser.add_argument("--model", default="Qwen/Qwen3-32B")
parser.add_argument("--chunks", type=int, default=5)
parser.add_argument("--chunk-delay", type=float, default=0.3)
args = parser.parse_args()

ROUTES = set()
if args.routes:
    with open(args.routes, encoding="utf-8") as f:
        ROUTES = {e["path"] for e in json.load(f)["endpoints"] if e["path"].startswith("/")}
lock = threading.Lock()
counter = [0]


def record(handler, body: bytes) -> int:
    with lock:
        counter[0] += 1
        index = counter[0]
        entry = {
            "index": index,
            "worker": args.name,
            "method": handler.command,
            "path": handler.path,
            "headers": {k.lower(): v for k, v in handler.headers.items()},
            "length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "time": time.time(),
        }
        if args.bodies and body:
            with open(os.path.join(args.bodies, f"{args.name}-{index}.bin"), "wb") as f:
                f.write(body)
            entry["body_file"] = f"{args.name}-{index}.bin"
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        return index


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *a):  # noqa: A002 - keep stderr quiet; the JSON log is the record
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def send_json(self, status: int, obj) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_text(self, status: int, text: str, ctype: str = "text/plain") -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self, chunks) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, chunk in enumerate(chunks):
            if i:
                time.sleep(args.chunk_delay)
            data = f"data: {chunk}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def handle_any(self) -> None:
        body = self.read_body()
        index = record(self, body)
        path = self.path.split("?")[0]
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            req = {}
        if not isinstance(req, dict):
            req = {}
        streaming = req.get("stream") is True
        tag = {"worker": args.name, "index": index}
        if path in ("/health", "/health_generate", "/ping"):
            self.send_text(200, "")
        elif path == "/get_model_info":
            self.send_json(200, {"model_path": args.model, "tokenizer_path": args.model, "is_generation": True, "preferred_sampling_params": None})
        elif path == "/get_server_info":
            self.send_json(200, {"model_path": args.model, "served_model_name": args.model, "tp_size": 1, "dp_size": 1, "version": "0.4.9.post2", "status": "ready", "internal_states": [{"load": 0}]})
        elif path == "/get_load":
            self.send_json(200, [{"dp_rank": 0, "num_reqs": 0, "num_waiting_reqs": 0, "num_tokens": 0}])
        elif path == "/v1/models":
            self.send_json(200, {"object": "list", "data": [{"id": args.model, "object": "model", "owned_by": "sglang", "root": args.model}]})
        elif path == "/metrics":
            self.send_text(200, f'sglang:num_running_reqs{{model_name="{args.model}"}} 0\n', "text/plain; version=0.0.4")
        elif path in ("/v1/chat/completions", "/v1/completions"):
            kind = "chat.completion" if "chat" in path else "text_completion"
            if streaming:
                self.stream([json.dumps({"object": f"{kind}.chunk", "choices": [{"index": 0, "delta": {"content": f"tok{i} "}}], **tag}) for i in range(args.chunks)] + ["[DONE]"])
            else:
                self.send_json(200, {"id": f"{args.name}-{index}", "object": kind, "model": args.model, "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}], **tag})
        elif path == "/generate":
            if streaming:
                self.stream([json.dumps({"text": f"tok{i} ", "meta_info": {}, **tag}) for i in range(args.chunks)] + ["[DONE]"])
            else:
                self.send_json(200, {"text": "ok", "meta_info": {"id": f"{args.name}-{index}"}, **tag})
        elif path in ROUTES or path.startswith("/v1/models/"):
            # SGLang's admin routes answer too; a test proves they are never reached by finding them in the log.
            self.send_json(200, {"reached": path, **tag})
        else:
            self.send_json(404, {"detail": "Not Found"})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


server = ThreadingHTTPServer((args.host, args.port), Handler)
server.daemon_threads = True
server.serve_forever()
