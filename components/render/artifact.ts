/** A file rendered for a machine or a reviewer: `path` is relative to the plan's output folder. */
export interface Artifact {
  /** Relative path, forward slashes, e.g. `gpu-0/cloud-init.yaml` or `monitoring/prometheus.yml`. */
  readonly path: string;
  /** Exact file content, as deployed. */
  readonly content: string;
  /** File mode when it matters (scripts are 0755). @default 0o644 */
  readonly mode?: number;
}
