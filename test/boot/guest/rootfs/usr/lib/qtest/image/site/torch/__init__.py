"""torch stand-in: CUDA sees the container's GPUs (docker --gpus), and initialises only once Fabric
Manager has completed the NVSwitch fabric (as CUDA returns "system not yet initialized" before)."""
import json
import os


def _fabric_ready():
    with open("/run/qtest/scenario.json") as f:
        if not json.load(f).get("nvswitch", True):
            return True
    try:
        with open("/run/qtest/fabric-state") as f:
            return f.read().strip() == "Completed"
    except FileNotFoundError:
        return False


class _Cuda:
    @staticmethod
    def device_count():
        return len([g for g in os.environ.get("QTEST_VISIBLE_GPUS", "").split(",") if g])

    @staticmethod
    def is_available():
        return _Cuda.device_count() > 0


cuda = _Cuda()


def ones(n, device="cpu"):
    if device.startswith("cuda"):
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= cuda.device_count():
            raise RuntimeError(f"CUDA error: invalid device ordinal {index}")
        if not _fabric_ready():
            raise RuntimeError("CUDA error: system not yet initialized (error 802)")
    return [1] * n
