/** The GPU dashboard: one series per GPU from dcgm-exporter. */
import { DCGM } from "../metrics";
import { AlertSettings, DEFAULT_ALERTS } from "../types";
import { DashboardSpec, PanelSpec } from "./spec";

const GPU = `instance=~"$instance"`;
const perGpu = "{{instance}} GPU {{gpu}}";

/** A panel of one series per GPU; `expr` is given the per-GPU selector of the `instance` variable. */
const gpuPanel = (title: string, description: string, unit: string, expr: (metric: (name: string) => string) => string, range: Pick<PanelSpec, "max" | "threshold"> = {}): PanelSpec => ({
  title,
  description,
  unit,
  min: 0,
  ...range,
  queries: [{ expr: expr((name) => `${name}{${GPU}}`), legend: perGpu }],
});

/** The per-GPU dashboard (dcgm-exporter). */
export function gpuDashboardSpec(alerts: AlertSettings = DEFAULT_ALERTS): DashboardSpec {
  return {
    name: "qwen-serving-gpu",
    title: "qwen-serving / GPUs",
    variable: { name: "instance", label: "dcgm-exporter", metric: DCGM.gpuUtil },
    rows: [
      {
        title: "GPUs",
        panels: [
          gpuPanel("GPU utilization", "DCGM_FI_DEV_GPU_UTIL per GPU.", "percent", (m) => m(DCGM.gpuUtil), { max: 100 }),
          gpuPanel("GPU memory used", "Framebuffer memory used per GPU (DCGM_FI_DEV_FB_USED, MiB). SGLang reserves most of it for weights and KV cache at start.", "mbytes", (m) => m(DCGM.fbUsed)),
          gpuPanel(
            "GPU memory used %",
            "DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) per GPU.",
            "percentunit",
            (m) => `${m(DCGM.fbUsed)} / (${m(DCGM.fbUsed)} + ${m(DCGM.fbFree)})`,
            { max: 1 },
          ),
          gpuPanel("Power draw", "DCGM_FI_DEV_POWER_USAGE per GPU.", "watt", (m) => m(DCGM.powerUsage)),
          gpuPanel("Temperature", "DCGM_FI_DEV_GPU_TEMP per GPU; the alert fires above the red line.", "celsius", (m) => m(DCGM.gpuTemp), { threshold: alerts.gpuTempCelsius }),
          gpuPanel("Last XID error", "DCGM_FI_DEV_XID_ERRORS: code of the last XID error per GPU (0 = none); it stays set until dcgm-exporter restarts.", "none", (m) => m(DCGM.xidErrors)),
        ],
      },
    ],
  };
}
