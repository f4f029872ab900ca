"""The boot test's observer: waits until cloud-init is done and every port the host asked about
answers 200 (or the deadline passes), then writes one JSON report between markers on the second
serial port (/dev/ttyS1), copies its logs and the journal to the results disk, and powers off.
With `powerCutAtBytes` it instead cuts the power (reboot without sync; QEMU runs -no-reboot) as
soon as the weights download has written that many bytes under /models.
It only watches: it never starts, stops or restarts anything of the node's."""
import glob
import json
import os
import subprocess
import tarfile
import time
import urllib.error
import urllib.request

BEGIN, END = "=====QTEST-REPORT-BEGIN=====", "=====QTEST-REPORT-END====="
OUT = "/run/qtest"
RESULTS_DISK = "/dev/disk/by-id/virtio-qtest-results"
UNIT_PATTERNS = ["qwen-*", "sglang-*", "docker.service", "node-exporter.service", "dcgm-exporter.service", "nvidia-*", "cloud-*"]
PROPS = ["Id", "LoadState", "ActiveState", "SubState", "Result", "NRestarts", "ExecMainStatus", "ConditionResult", "AssertResult",
         "InactiveExitTimestampMonotonic", "ActiveEnterTimestampMonotonic", "ExecMainStartTimestampMonotonic", "ExecMainExitTimestampMonotonic"]


def uptime():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def sh(*argv):
    return subprocess.run(argv, capture_output=True, text=True).stdout


def answers(port, path, codes=(200,)):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status in codes
    except urllib.error.HTTPError as e:
        return e.code in codes
    except OSError:
        return False


def bytes_under(root):
    total = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def jsonl(name):
    try:
        with open(f"{OUT}/{name}") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def lines(name):
    try:
        with open(f"{OUT}/{name}") as f:
            return [line.rstrip("\n") for line in f]
    except FileNotFoundError:
        return []


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def units():
    names = sh("systemctl", "list-units", "--all", "--plain", "--no-legend", "--no-pager", *UNIT_PATTERNS).split()
    names = sorted({n for n in names if "." in n and not n.startswith("●")})
    names += sorted({os.path.basename(p) for p in glob.glob("/etc/systemd/system/*.service") + glob.glob("/etc/systemd/system/*.timer") + glob.glob("/etc/systemd/system/*.target")} - set(names))
    out = {}
    for name in names:
        props = dict(line.split("=", 1) for line in sh("systemctl", "show", name, "-p", ",".join(PROPS)).splitlines() if "=" in line)
        if props.get("LoadState") == "not-found":
            continue
        out[name] = props
    return out


def secrets():
    found = []
    for dirpath, _, files in os.walk("/run/qwen-serving"):
        for name in files:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            found.append({"path": p, "mode": oct(st.st_mode & 0o777), "uid": st.st_uid, "fstype": sh("findmnt", "-n", "-o", "FSTYPE", "-T", p).strip()})
    return found


def main():
    with open(f"{OUT}/scenario.json") as f:
        scenario = json.load(f)
    checks = scenario.get("checks", [])
    first_healthy = {}
    all_healthy_at = None
    healthy_since = None
    while True:
        now = uptime()
        cut = int(scenario.get("powerCutAtBytes", 0))
        if cut and bytes_under("/models") >= cut:
            with open("/dev/ttyS1", "w") as tty:
                tty.write(f"\n=====QTEST-POWER-CUT===== at {now:.1f}s\n")
            with open("/proc/sys/kernel/sysrq", "w") as f:
                f.write("1")
            with open("/proc/sysrq-trigger", "w") as f:
                f.write("b")
            time.sleep(60)
        # Few requests per round: the guest's two emulated CPUs are the node's as well.
        for c in checks:
            key = f"{c['port']}{c['path']}"
            if key not in first_healthy and answers(c["port"], c["path"], c.get("status", [200])):
                first_healthy[key] = round(uptime(), 1)
        done = os.path.exists("/run/cloud-init/result.json")
        healthy = len(first_healthy) == len(checks) and all(answers(c["port"], c["path"], c.get("status", [200])) for c in checks)
        if done and healthy and not cut:
            if all_healthy_at is None:
                all_healthy_at = round(max(first_healthy.values(), default=now), 1)
            healthy_since = healthy_since or now
            if now - healthy_since >= scenario.get("settleSeconds", 3):
                break
        else:
            healthy_since = None
        if now > scenario.get("deadlineSeconds", 480):
            break
        time.sleep(2)

    ebs = sorted(glob.glob("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_*"))
    unit_states = units()
    failed = [line.split()[0] for line in sh("systemctl", "--failed", "--plain", "--no-legend", "--no-pager").splitlines() if line.strip()]
    # The journal of every node unit that is not up (a finished timer run is not news).
    journals = {name: sh("journalctl", "-b", "-u", name, "-n", "30", "--no-pager", "-o", "short-monotonic")
                for name, p in unit_states.items()
                if name.startswith(("qwen-", "sglang-")) and p.get("ActiveState") != "active" and not (p.get("ActiveState") == "inactive" and p.get("Result") == "success")}
    report = {
        "uptime": round(uptime(), 1),
        "allHealthyAt": all_healthy_at,
        "firstHealthy": first_healthy,
        "checks": {f"{c['port']}{c['path']}": answers(c["port"], c["path"], c.get("status", [200])) for c in checks},
        "cloudInit": {"result": json.loads(read("/run/cloud-init/result.json") or "null"), "status": sh("cloud-init", "status", "--long").strip()},
        "instanceId": (read("/var/lib/cloud/data/instance-id") or "").strip(),
        "failed": failed,
        "units": unit_states,
        "docker": jsonl("docker.log"),
        "servers": jsonl("servers.log"),
        "hub": jsonl("hub.log"),
        "mkfs": lines("mkfs.log"),
        "aws": lines("aws.log"),
        "nvidiaSmi": lines("nvidia-smi.log"),
        "secrets": secrets(),
        "ebs": {"links": ebs, "blkid": sh("blkid", "-p", "-o", "export", ebs[0]) if ebs else None},
        "models": {"mount": sh("findmnt", "-n", "-J", "/models").strip() or None, "markers": sorted(glob.glob("/models/*/*/.qwen-serving-complete"))},
        "fstab": read("/etc/fstab"),
        "journals": journals,
    }
    with open(f"{OUT}/report.json", "w") as f:
        json.dump(report, f)
    with open(f"{OUT}/journal.txt", "w") as f:
        subprocess.run(["journalctl", "-b", "--no-pager", "-o", "short-monotonic"], stdout=f)
    with open("/dev/ttyS1", "w") as tty:
        tty.write(f"\n{BEGIN}\n{json.dumps(report)}\n{END}\n")
        tty.flush()
    if os.path.exists(RESULTS_DISK):
        with open(RESULTS_DISK, "wb") as disk, tarfile.open(fileobj=disk, mode="w") as tar:
            tar.add(OUT, arcname="qtest")
    os.sync()
    subprocess.run(["systemctl", "poweroff"])


main()
