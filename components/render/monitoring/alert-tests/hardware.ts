/** promtool scenarios of the GPU (dcgm-exporter) and node (node_exporter) alerts. */
import { CRITICAL_XIDS, DCGM, NODE } from "../metrics";
import { durationSeconds } from "../resolve";
import { InputSeries, Labels, ScenarioBuilder, flat, gpu, node } from "./fixtures";
import { NODE_PATHS } from "../../../contract";

/** Minute the XID gauges change in the firing case. */
const XID_AT = 3;
/** A code outside the critical list (13: graphics engine exception, usually the application). */
const APP_XID = 13;

export const HARDWARE_SCENARIOS: Record<string, ScenarioBuilder> = {
  GPUXidError: {
    activeFrom: () => XID_AT,
    // Evaluate at the change itself: the alert lasts for the XID window only.
    settle: 0,
    build: ({ a, rules, n }) => {
      const critical = rules.find((x) => x.severity === "critical")!;
      const warning = rules.find((x) => x.severity === "warning")!;
      const changesTo = (code: number) => `0 0 0 ${flat(code, n - XID_AT)}`;
      const code = CRITICAL_XIDS[0];
      const window = Math.ceil(durationSeconds(a.xidWindow) / 60);
      return {
        fires: {
          series: [
            { name: DCGM.xidErrors, labels: gpu(0), values: changesTo(code) },
            { name: DCGM.xidErrors, labels: gpu(1), values: changesTo(APP_XID) },
            { name: DCGM.xidErrors, labels: gpu(2), values: flat(0, n) },
          ],
          expect: [
            { rule: critical, labels: gpu(0), value: code },
            { rule: warning, labels: gpu(1), value: APP_XID },
          ],
        },
        // The gauge keeps the code, but the alert resolves once the change is older than the window.
        later: [{ at: XID_AT + window + 2, expect: [] }],
        healthy: { series: [0, 1].map((g) => ({ name: DCGM.xidErrors, labels: gpu(g), values: flat(0, n) })) },
        // An XID held since before the window (dcgm-exporter has not restarted since): nothing new, nothing fires.
        idle: { series: [{ name: DCGM.xidErrors, labels: gpu(0), values: flat(code, n) }] },
      };
    },
  },
  GPURowRemapFailure: {
    // The remap fails at minute 1; it fires at once (no `for`) and stays.
    activeFrom: () => 1,
    build: ({ rules, n }) => {
      const remap = (g: number, v: number): InputSeries => ({ name: DCGM.rowRemapFailure, labels: gpu(g), values: flat(v, n) });
      return {
        fires: { series: [{ name: DCGM.rowRemapFailure, labels: gpu(0), values: `0 ${flat(1, n - 1)}` }, remap(1, 0)], expect: [{ rule: rules[0], labels: gpu(0), value: 1 }] },
        healthy: { series: [remap(0, 0), remap(1, 0)] },
        idle: { series: [remap(0, 0)] },
      };
    },
  },
  GPUTemperatureHigh: {
    activeFrom: () => 0,
    build: ({ a, rules, n }) => {
      const hot = Math.ceil(a.gpuTempCelsius) + 5;
      const temp = (g: number, v: number): InputSeries => ({ name: DCGM.gpuTemp, labels: gpu(g), values: flat(v, n) });
      const cool = Math.max(0, Math.floor(a.gpuTempCelsius) - 20);
      return {
        fires: { series: [temp(0, hot), temp(1, cool)], expect: [{ rule: rules[0], labels: gpu(0), value: hot }] },
        healthy: { series: [temp(0, cool), temp(1, cool)] },
        idle: { series: [temp(0, 35)] },
      };
    },
  },
  NodeDiskSpaceLow: {
    activeFrom: () => 0,
    build: ({ a, rules, n }) => {
      const size = 100e9;
      const fs = (mountpoint: string, fstype: string, free: number, readonly = 0): InputSeries[] => {
        const labels: Labels = node(0, { device: mountpoint === "/" ? "/dev/nvme0n1p1" : `/dev/${fstype}${mountpoint.length}`, fstype, mountpoint });
        return [
          { name: NODE.filesystemAvail, labels, values: flat(size * free, n) },
          { name: NODE.filesystemSize, labels, values: flat(size, n) },
          { name: NODE.filesystemReadonly, labels, values: flat(readonly, n) },
        ];
      };
      const low = a.nodeDiskFreeRatio / 2;
      const root = fs("/", "ext4", low);
      return {
        fires: {
          // A tmpfs and a read-only image filesystem are as full as that and must not fire.
          series: [...root, ...fs(NODE_PATHS.models, "xfs", 0.5), ...fs("/run", "tmpfs", low), ...fs("/snap/core", "ext4", low, 1)],
          expect: [{ rule: rules[0], labels: root[0].labels, value: (size * low) / size }],
        },
        healthy: { series: [...fs("/", "ext4", 0.5), ...fs(NODE_PATHS.models, "xfs", 0.5)] },
        idle: { series: fs("/", "ext4", 0.9) },
      };
    },
  },
  NodeMemoryLow: {
    activeFrom: () => 0,
    build: ({ a, rules, n }) => {
      const total = 256e9;
      const mem = (host: number, free: number): InputSeries[] => [
        { name: NODE.memAvailable, labels: node(host), values: flat(total * free, n) },
        { name: NODE.memTotal, labels: node(host), values: flat(total, n) },
      ];
      const low = a.nodeMemoryFreeRatio / 2;
      return {
        fires: { series: [...mem(0, low), ...mem(1, 0.5)], expect: [{ rule: rules[0], labels: node(0), value: (total * low) / total }] },
        healthy: { series: mem(0, 0.5) },
        idle: { series: mem(0, 0.9) },
      };
    },
  },
};
