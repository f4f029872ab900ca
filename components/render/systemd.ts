/**
 * systemd unit files, rendered (pure): the one unit type, the one quoting rule for command lines,
 * and builders for the three shapes the nodes use: a oneshot step, a container under systemd, a
 * target. Platform renderers (render/aws/) compose their units from these.
 */

/** A systemd unit: its file name under /etc/systemd/system and its text. */
export interface SystemdUnit {
  readonly name: string;
  readonly content: string;
  /** Enable it at boot (`systemctl enable`): timers and services with an [Install] section. */
  readonly enable: boolean;
}

/** Docker CLI path on the nodes (Ubuntu's docker.io and Docker CE both install it here). */
export const DOCKER = "/usr/bin/docker";

/**
 * Quotes one argument for a systemd command line (systemd.service(5), "Command lines"): `%`
 * specifiers and `$` variables are escaped, and anything outside a safe set is double-quoted.
 */
export function systemdArg(arg: string): string {
  const escaped = arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? escaped : `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** An argv as one systemd command line (`ExecStart=` and friends). */
export function command(argv: readonly string[]): string {
  return argv.map(systemdArg).join(" ");
}

/** A unit file: each section as `[Name]` and its lines, a blank line between sections. */
export function unitFile(sections: Readonly<Record<string, readonly string[]>>): string {
  return `${Object.entries(sections)
    .map(([name, lines]) => [`[${name}]`, ...lines].join("\n"))
    .join("\n\n")}\n`;
}

/** Ordering and requirement edges of a unit; empty lists render nothing. */
export interface Dependencies {
  readonly before?: readonly string[];
  readonly after?: readonly string[];
  readonly requires?: readonly string[];
  readonly wants?: readonly string[];
}

/** `Before=`, `After=`, `Requires=` and `Wants=` lines, in that order. */
export function dependencyLines(d: Dependencies): string[] {
  const line = (key: string, units: readonly string[] | undefined) => (units?.length ? [`${key}=${units.join(" ")}`] : []);
  return [...line("Before", d.before), ...line("After", d.after), ...line("Requires", d.requires), ...line("Wants", d.wants)];
}

export interface OneshotSpec {
  /** Unit file name. */
  readonly name: string;
  readonly description: string;
  readonly deps: Dependencies;
  /** [Service] lines after `Type=oneshot` (timeouts, `ExecStart=`, ...). */
  readonly service: readonly string[];
  /** Stay "active" once done, so later units can require the step. @default true */
  readonly remainAfterExit?: boolean;
}

/** A step that runs to completion: a mount, a download, a check, an image build. */
export function oneshotUnit(s: OneshotSpec): SystemdUnit {
  return {
    name: s.name,
    enable: false,
    content: unitFile({
      Unit: [`Description=${s.description}`, ...dependencyLines(s.deps)],
      Service: ["Type=oneshot", ...((s.remainAfterExit ?? true) ? ["RemainAfterExit=yes"] : []), ...s.service],
    }),
  };
}

export interface ContainerUnitSpec {
  /** Unit file name. */
  readonly name: string;
  /** Docker container name. */
  readonly container: string;
  readonly description: string;
  /** [Unit] lines after `Description=`: `dependencyLines(...)`, `Documentation=`, asserts. */
  readonly unit: readonly string[];
  /** `docker run` arguments after `--rm --name <container>`: options, the image, its command. */
  readonly run: readonly string[];
  /** More `ExecStartPre=` command lines, run after the leftover container is removed. @default [] */
  readonly preStart?: readonly string[];
  /** `TimeoutStartSec=`, for a first start that pulls the image. @default - systemd's default */
  readonly startTimeoutSec?: number;
  /** Seconds `docker stop` gives the process before SIGKILL; systemd waits twice as long. @default - docker's 10 s, systemd's default */
  readonly stopGraceSec?: number;
  /** [Install] lines; a unit with them is enabled at boot. @default - none, started by a target */
  readonly install?: readonly string[];
}

/**
 * A long-running container under systemd: `docker run --rm` in the foreground under
 * `Restart=always`, so systemd owns its lifecycle and its output reaches the journal; a container
 * left by a crash is removed before each start, and `docker stop` ends it on stop.
 */
export function containerUnit(s: ContainerUnitSpec): SystemdUnit {
  const grace = s.stopGraceSec;
  return {
    name: s.name,
    enable: s.install !== undefined,
    content: unitFile({
      Unit: [`Description=${s.description}`, ...s.unit],
      Service: [
        `ExecStartPre=-${command([DOCKER, "rm", "--force", s.container])}`,
        ...(s.preStart ?? []).map((p) => `ExecStartPre=${p}`),
        ...(s.startTimeoutSec !== undefined ? [`TimeoutStartSec=${s.startTimeoutSec}`] : []),
        `ExecStart=${command([DOCKER, "run", "--rm", "--name", s.container, ...s.run])}`,
        `ExecStop=${command([DOCKER, "stop", ...(grace !== undefined ? ["--time", String(grace)] : []), s.container])}`,
        "Restart=always",
        "RestartSec=10",
        ...(grace !== undefined ? [`TimeoutStopSec=${2 * grace}`] : []),
      ],
      ...(s.install ? { Install: s.install } : {}),
    }),
  };
}

/** The one unit enabled at boot on a node: it wants every unit of the node's purpose. */
export function bootTarget(name: string, description: string, wants: readonly string[]): SystemdUnit {
  return {
    name,
    enable: true,
    content: unitFile({
      Unit: [`Description=${description}`, `Wants=${wants.join(" ")}`, "After=network-online.target"],
      Install: ["WantedBy=multi-user.target"],
    }),
  };
}
