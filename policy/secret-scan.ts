/**
 * Heuristics that find a credential written in plain text into user-data, a container's
 * environment or a command line. The policy engine hands a policy every input with Pulumi
 * secrets already decrypted, so a secret that reached one of these places shows up here as text
 * whether or not it was wrapped in `pulumi.secret`: that is exactly what must not happen. Secrets
 * belong in SSM / Secrets Manager / Kubernetes Secrets / docker secret files, fetched at run time.
 */

/** Values that are credentials whatever they are called. */
const CREDENTIAL_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/\bhf_[A-Za-z0-9]{20,}/, "a Hugging Face token"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\bsk-[A-Za-z0-9_-]{20,}/, "an API key (sk-...)"],
];

/** Words that make a variable, flag or key name hold a secret. */
const SECRET_WORDS = new Set(["token", "password", "passwd", "secret", "apikey", "credential", "credentials", "privatekey"]);
/** A last word that says the value points at the secret instead of being it. */
const REFERENCE_WORDS = new Set(["file", "path", "dir", "parameter", "param", "arn", "name", "ref", "id", "secretname", "stdin"]);

/** `HF_TOKEN`, `api-key`, `apiKey`, `GF_SECURITY_ADMIN_PASSWORD` -> words; adjacent `api`+`key` joins. */
function nameWords(name: string): string[] {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const joined: string[] = [];
  for (const w of words) {
    const prev = joined[joined.length - 1];
    if ((prev === "api" || prev === "private") && w === "key") joined[joined.length - 1] = `${prev}key`;
    else joined.push(w);
  }
  return joined;
}

/** A name like HF_TOKEN or --api-key, but not HF_TOKEN_FILE, --max-total-tokens or --tokenizer-path. */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  return words.some((w) => SECRET_WORDS.has(w)) && !REFERENCE_WORDS.has(words[words.length - 1] ?? "");
}

/**
 * A value written out literally, as opposed to a reference resolved at run time: not empty, no
 * `$VAR`/`$(cmd)`/`${...}`/`{{...}}`, not a path or a number or a boolean, no call syntax.
 * (Brackets stay literal on purpose: the offline plan's secret placeholder is "[secret]".)
 */
export function isLiteralValue(raw: string): boolean {
  const v = raw.trim().replace(/^(["'])(.*)\1$/, "$2");
  if (v === "" || /[$(){}]/.test(v)) return false;
  if (v.startsWith("/") || /^-?\d+(\.\d+)?$/.test(v) || /^(true|false|null|none|yes|no)$/i.test(v)) return false;
  return true;
}

export interface SecretFinding {
  /** Where: "userData", "envs[2]", "command", "containers[sglang].env[HF_TOKEN]"... */
  readonly where: string;
  /** What was found, never the value itself. */
  readonly what: string;
}

const credentialIn = (text: string): string | undefined => CREDENTIAL_PATTERNS.find(([re]) => re.test(text))?.[1];

/** Scans free text (scripts, cloud-config, unit files) for credentials and literal secret assignments. */
export function scanText(where: string, text: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  const credential = credentialIn(text);
  if (credential) found.push({ where, what: credential });
  const assignments: [RegExp, string][] = [
    // shell `NAME=value` / `export NAME=value`
    [/(?:^|[\s;&|])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"\n]*"|'[^'\n]*'|[^\s;&|]+)/g, "assignment"],
    // command-line `--name value` / `--name=value`
    [/(?:^|\s)--([A-Za-z][A-Za-z0-9-]*)(?:=|[ \t]+)("[^"\n]*"|'[^'\n]*'|[^\s\\-][^\s\\]*)/g, "flag"],
    // YAML `name: value` and INI `name = value`, one per line
    [/^[ \t-]*([A-Za-z_][\w.-]*)[ \t]*(?::|=)[ \t]+("[^"\n]*"|'[^'\n]*'|[^\s#]+)[ \t]*$/gm, "key"],
  ];
  for (const [re, kind] of assignments) for (const m of text.matchAll(re)) if (isSecretName(m[1]) && isLiteralValue(m[2])) found.push({ where, what: `${kind} '${m[1]}' with a literal value` });
  return found;
}

/** Scans an argv: `--flag value` pairs, `--flag=value`, and every argument as text (`bash -c '...'`). */
export function scanArgv(where: string, argv: readonly unknown[]): SecretFinding[] {
  const args = argv.filter((a): a is string => typeof a === "string");
  const found: SecretFinding[] = [];
  args.forEach((arg, i) => {
    const flag = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (flag) {
      const value = flag[2] ?? (args[i + 1] !== undefined && !args[i + 1].startsWith("-") ? args[i + 1] : undefined);
      if (value !== undefined && isSecretName(flag[1]) && isLiteralValue(value)) found.push({ where, what: `flag '${flag[1]}' with a literal value` });
    }
    if (/\s/.test(arg)) found.push(...scanText(where, arg));
    else {
      const credential = credentialIn(arg);
      if (credential) found.push({ where, what: credential });
    }
  });
  return found;
}

/** Scans environment variables given as `NAME=value` strings (docker) or `{name, value}` (Kubernetes). */
export function scanEnv(where: string, env: readonly (string | { readonly name: string; readonly value?: string })[]): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const e of env) {
    const [name, value] = typeof e === "string" ? [e.split("=")[0], e.slice(e.indexOf("=") + 1)] : [e.name, e.value];
    if (value === undefined || (typeof e === "string" && !e.includes("="))) continue;
    if (isSecretName(name) && isLiteralValue(value)) found.push({ where: `${where}[${name}]`, what: `variable '${name}' with a literal value` });
    else {
      const credential = credentialIn(value);
      if (credential) found.push({ where: `${where}[${name}]`, what: credential });
    }
  }
  return found;
}
