import { gzipSync } from "zlib";
import { NODE_PATHS } from "../contract";
import { keyPath, QwenServingError } from "../problems";
import { SystemdUnit } from "./systemd";
import { toYaml } from "./yaml";

/**
 * The one user-data builder (pure): a `#cloud-config` document that installs packages, writes files
 * and units, and runs commands, and its gzipped form as an instance carries it.
 */

/** A file a node needs besides its units (scripts, configs, a Dockerfile). */
export interface NodeFile {
  /** Absolute path on the node. */
  readonly path: string;
  readonly content: string;
  /** @default 0o644 */
  readonly mode?: number;
}

/**
 * EC2's limit on user data: "User data is limited to 16 KB, in raw form, before it is
 * base64-encoded" (Amazon EC2 User Guide, "Work with instance user data",
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html). Our raw
 * form is the gzipped document, so the limit bounds the gzip output, not its base64 text.
 */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

export interface CloudConfig {
  /** Packages cloud-init installs (after `package_update`) before writing files. @default [] */
  readonly packages?: readonly string[];
  /** Files, written first, in this order. */
  readonly files: readonly NodeFile[];
  /** Units, written to NODE_PATHS.units after the files. @default [] */
  readonly units?: readonly SystemdUnit[];
  /** Commands run last, each an argv (cloud-init runs a list without a shell). */
  readonly runcmd: readonly (readonly string[])[];
}

/** The `#cloud-config` document: every file owned by root, with its mode; units 0644. */
export function renderCloudConfig(c: CloudConfig): string {
  const entry = (path: string, content: string, mode: number) => ({ path, owner: "root:root", permissions: `0${mode.toString(8)}`, content });
  const doc = {
    ...(c.packages?.length ? { package_update: true, packages: c.packages } : {}),
    write_files: [...c.files.map((f) => entry(f.path, f.content, f.mode ?? 0o644)), ...(c.units ?? []).map((u) => entry(`${NODE_PATHS.units}/${u.name}`, u.content, 0o644))],
    runcmd: c.runcmd,
  };
  return `#cloud-config\n${toYaml(doc)}`;
}

/** Whose user data it is, for the problem reported when it does not fit. */
export interface UserDataOwner {
  /** Config key the size follows from (`services`, `monitoring`). */
  readonly path: string;
  /** `node gpu-0`, `the monitoring instance`. */
  readonly what: string;
  /** What makes it smaller. */
  readonly advice: string;
}

/**
 * What the instance carries, base64: the document gzipped at level 9 (cloud-init detects gzip and
 * unpacks it). A document whose gzip output exceeds USER_DATA_LIMIT_BYTES is refused here, before
 * EC2 would refuse the instance.
 */
export function userDataBase64(document: string, owner: UserDataOwner): string {
  const packed = gzipSync(Buffer.from(document, "utf8"), { level: 9 });
  if (packed.length > USER_DATA_LIMIT_BYTES)
    throw new QwenServingError("platform", [
      { path: keyPath(owner.path), value: `${packed.length} bytes gzipped`, rule: `${owner.what}'s user data must fit EC2's ${USER_DATA_LIMIT_BYTES}-byte limit`, advice: owner.advice },
    ]);
  return packed.toString("base64");
}
