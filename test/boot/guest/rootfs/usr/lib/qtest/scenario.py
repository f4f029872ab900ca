"""Writes this boot's scenario (kernel argument qtest=<base64 JSON>) to /run/qtest/scenario.json.

Every stand-in reads its settings from there; defaults below apply to keys the host leaves out.
"""
import base64
import json
import os

DEFAULTS = {
    "gpus": 8,  # GPUs nvidia-smi and the containers see
    "gpuFailOnce": False,  # the first `nvidia-smi -L` of this boot lists one GPU fewer
    "nvswitch": True,  # CUDA initialises only once Fabric Manager reports its fabric complete
    "fabricSeconds": 4,  # how long Fabric Manager takes to train the fabric
    "registryDown": False,  # Docker Hub and the other registries refuse every pull
    "pullSeconds": 3,  # how long a pull of a missing image takes
    "sglangLoadSeconds": 2,  # how long a fake SGLang takes to load before it listens
    "hub": {"downSeconds": 0, "shardBytes": 262144, "throttleBps": 0, "failOnce": False},
    "checks": [],  # [{"port": N, "path": "/health"}]: all must answer 200 for the boot to be healthy
    "deadlineSeconds": 480,  # uptime at which the report is written whatever the state
    "settleSeconds": 3,  # healthy this long before the report
    "powerCutAtBytes": 0,  # > 0: cut power (no sync) once the download has written this many bytes
}


def main():
    with open("/proc/cmdline") as f:
        words = f.read().split()
    given = {}
    for w in words:
        if w.startswith("qtest="):
            given = json.loads(base64.b64decode(w[len("qtest="):]))
    scenario = {**DEFAULTS, **given, "hub": {**DEFAULTS["hub"], **given.get("hub", {})}}
    os.makedirs("/run/qtest", exist_ok=True)
    with open("/run/qtest/scenario.json.tmp", "w") as f:
        json.dump(scenario, f)
    os.replace("/run/qtest/scenario.json.tmp", "/run/qtest/scenario.json")


main()
