/** Machines: GPU faults from dcgm-exporter (XIDs on change, row remapping, heat), disk and memory from node_exporter. */
import { CRITICAL_XIDS, DCGM, DCGM_SOURCE, NODE } from "../metrics";
import { label, value } from "../templates";
import { AlertSettings } from "../types";
import { AlertRule, GPU_GROUP, NODE_GROUP, num, pct, sel } from "./rule";

/** Series of the XID gauge whose value is one of the critical codes. */
const criticalXid = `(${CRITICAL_XIDS.map((code) => `${DCGM.xidErrors} == ${code}`).join(" or ")})`;

function xidRules(a: AlertSettings): AlertRule[] {
  // The gauge holds the last XID until dcgm-exporter restarts: alert when it changes to a code, for the
  // window after the change, not for as long as it is held.
  const changed = `changes(${DCGM.xidErrors}[${a.xidWindow}]) > 0`;
  const common = {
    group: GPU_GROUP,
    alert: "GPUXidError",
    summary: ["GPU ", label("gpu"), " on ", label("instance"), " reported XID ", value("integer")],
    runbook: `Look the code up in NVIDIA's XID catalog: ${CRITICAL_XIDS.join(", ")} mean hardware or NVLink trouble (drain and replace the host); 13, 31, 43 are usually application faults (check SGLang logs).`,
    resultLabels: "series" as const,
  };
  const text = (what: string) => [
    "dcgm-exporter reports XID ",
    value("integer"),
    " on GPU ",
    label("gpu"),
    " (",
    label("modelName"),
    ") of ",
    label("instance"),
    `, new within ${a.xidWindow}: ${what}`,
  ];
  return [
    { ...common, expr: `${criticalXid} and ${changed}`, severity: "critical", description: text("a code that means failing hardware, memory or links.") },
    { ...common, expr: `(${DCGM.xidErrors} > 0 unless ${criticalXid}) and ${changed}`, severity: "warning", description: text("usually an application fault; repeated ones deserve a look.") },
  ];
}

function gpuRules(a: AlertSettings): AlertRule[] {
  return [
    ...xidRules(a),
    {
      group: GPU_GROUP,
      alert: "GPURowRemapFailure",
      // A default dcgm-exporter field (DCGM_SOURCE); 1 once a row could not be remapped.
      expr: `${DCGM.rowRemapFailure} > 0`,
      severity: "critical",
      summary: ["GPU ", label("gpu"), " on ", label("instance"), " failed to remap a memory row"],
      description: [
        "GPU ",
        label("gpu"),
        " (",
        label("modelName"),
        ") of ",
        label("instance"),
        ` reports ${DCGM.rowRemapFailure} (${DCGM_SOURCE}): it is out of spare rows and its memory is no longer reliable.`,
      ],
      runbook: "Drain the host and have the GPU replaced (on EC2: stop and start the instance to move to other hardware); this does not clear by restarting software.",
      resultLabels: "series",
    },
    {
      group: GPU_GROUP,
      alert: "GPUTemperatureHigh",
      expr: `${DCGM.gpuTemp} > ${num(a.gpuTempCelsius)}`,
      for: a.gpuTempFor,
      severity: "warning",
      summary: ["GPU ", label("gpu"), " on ", label("instance"), " at ", value("integer"), "°C"],
      description: [
        "GPU ",
        label("gpu"),
        " (",
        label("modelName"),
        ") on ",
        label("instance"),
        ` has been above ${num(a.gpuTempCelsius)}°C for ${a.gpuTempFor}; expect clock throttling and lower throughput.`,
      ],
      runbook: "Check the power and utilization panels for the same GPU and the host's cooling; on a cloud instance, stop/start it to move to other hardware.",
      resultLabels: "series",
    },
  ];
}

/** Real disks only: pseudo and in-memory filesystems, and read-only mounts, are left out. */
const FS = [`fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|fuse.*"`];

function nodeRules(a: AlertSettings): AlertRule[] {
  return [
    {
      group: NODE_GROUP,
      alert: "NodeDiskSpaceLow",
      expr: `${sel(NODE.filesystemAvail, FS)} / ${sel(NODE.filesystemSize, FS)} < ${num(a.nodeDiskFreeRatio)} and ${sel(NODE.filesystemReadonly, FS)} == 0`,
      for: a.nodeFor,
      severity: "warning",
      summary: [label("mountpoint"), " on ", label("instance"), " has ", value("percent"), " free"],
      description: ["Filesystem ", label("mountpoint"), " (", label("device"), ") on ", label("instance"), ` has had less than ${pct(a.nodeDiskFreeRatio)} free for ${a.nodeFor}.`],
      runbook: "du -xh --max-depth=2 on the mount: on GPU nodes look at old model revisions in the weight cache and docker images (docker system df); grow the volume if it is the TSDB.",
      resultLabels: "series",
    },
    {
      group: NODE_GROUP,
      alert: "NodeMemoryLow",
      expr: `${NODE.memAvailable} / ${NODE.memTotal} < ${num(a.nodeMemoryFreeRatio)}`,
      for: a.nodeFor,
      severity: "warning",
      summary: [label("instance"), " has ", value("percent"), " of its memory available"],
      description: ["MemAvailable on ", label("instance"), ` has been below ${pct(a.nodeMemoryFreeRatio)} of MemTotal for ${a.nodeFor}; the OOM killer is next.`],
      runbook: "Find the process (ps aux --sort=-rss); SGLang's host memory grows with tokenizer workers and image preprocessing; dmesg shows OOM kills.",
      resultLabels: "series",
    },
  ];
}

/** The machine rules. */
export function hardwareRules(a: AlertSettings): AlertRule[] {
  return [...gpuRules(a), ...nodeRules(a)];
}
