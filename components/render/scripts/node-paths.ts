/** Where the AWS node bootstrap puts things on the host; one place so units and scripts agree. */
export const NODE_PATHS = {
  /** Rendered scripts. */
  bin: "/opt/qwen-serving/bin",
  /** Download tokens fetched at boot: tmpfs, never on disk, root-only. */
  secrets: "/run/qwen-serving/secrets",
  /** Stamps the bootstrap keeps across reboots. */
  state: "/var/lib/qwen-serving",
  /** systemd units. */
  units: "/etc/systemd/system",
} as const;
