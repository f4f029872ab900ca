"""`python3 -m sglang.launch_server` stand-in: checks what the real server would trip on (the model
folder is complete and readable safetensors, tensor parallelism fits the visible GPUs, CUDA
initialises), then answers SGLang's HTTP API on --port. Its argv goes to /run/qtest/servers.log."""
import argparse
import json
import os
import struct
import sys
import time

import qtest_serve
import torch


def fail(msg):
    print(f"sglang (stand-in): {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check_model(path):
    try:
        with open(os.path.join(path, "config.json")) as f:
            json.load(f)
        with open(os.path.join(path, "model.safetensors.index.json")) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    except (OSError, ValueError, KeyError) as e:
        fail(f"cannot read the model at {path}: {e}")
    for shard in shards:
        p = os.path.join(path, shard)
        try:
            with open(p, "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(n))
            end = max(t["data_offsets"][1] for k, t in header.items() if k != "__metadata__")
            if os.path.getsize(p) != 8 + n + end:
                fail(f"{shard}: truncated ({os.path.getsize(p)} bytes, header says {8 + n + end})")
        except (OSError, ValueError, struct.error) as e:
            fail(f"{shard}: not a safetensors file: {e}")
    return len(shards)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model-path", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=30000)
    p.add_argument("--tensor-parallel-size", "--tp-size", type=int, default=1)
    p.add_argument("--served-model-name")
    p.add_argument("--api-key")
    p.add_argument("--enable-metrics", action="store_true")
    args, _ = p.parse_known_args()
    qtest_serve.record("sglang", argv=[a if a != args.api_key else "<api-key>" for a in sys.argv[1:]],
                       apiKeyFromEnv=bool(args.api_key) and args.api_key == os.environ.get("SGLANG_API_KEY"),
                       gpus=qtest_serve.visible_gpus())
    shards = check_model(args.model_path)
    if torch.cuda.device_count() < args.tensor_parallel_size:
        fail(f"tp {args.tensor_parallel_size} needs {args.tensor_parallel_size} GPUs, {torch.cuda.device_count()} visible")
    for i in range(args.tensor_parallel_size):
        torch.ones(1, device=f"cuda:{i}")
    with open("/run/qtest/scenario.json") as f:
        time.sleep(json.load(f).get("sglangLoadSeconds", 2))
    name = args.served_model_name or args.model_path

    def route(path, headers):
        path = path.split("?")[0]
        if args.api_key and not path.startswith(("/health", "/metrics")) and headers.get("Authorization") != f"Bearer {args.api_key}":
            return 401, "application/json", '{"error": "Unauthorized"}'
        if path in ("/health", "/health_generate"):
            return 200, "text/plain", ""
        if path == "/v1/models":
            return 200, "application/json", json.dumps({"object": "list", "data": [{"id": name, "object": "model"}]})
        if path == "/get_model_info":
            return 200, "application/json", json.dumps({"model_path": args.model_path, "shards": shards})
        if path == "/metrics" and args.enable_metrics:
            return 200, "text/plain", f'sglang:num_running_reqs{{model_name="{name}"}} 0\n'
        return 404, "text/plain", "not found"

    print(f"The server is fired up and ready to roll! ({name}, {shards} shards)", file=sys.stderr, flush=True)
    qtest_serve.serve([args.port], route)


main()
