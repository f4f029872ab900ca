/**
 * The front proxy of a Docker host (components/render/proxy/): one nginx container on the host
 * network that holds every planned port of the host, checks API keys and forwards only the public
 * API to SGLang (published on 127.0.0.1 only) and the router (bound to 127.0.0.1).
 */
import { Artifact } from "../../render/artifact";
import { ContainerInput, ContainerSpec, LABELS, SECRETS_DIR, SecretUpload, baseSpec, upload } from "./spec";

/** Where the rendered nginx.conf and auth.js go in the proxy container. */
export const PROXY_CONF_DIR = "/etc/qwen-serving/proxy";
/** nginx's pid file and temp folders: /tmp exists and is writable in the official image. */
export const PROXY_RUN_DIR = "/tmp";
/** A service's API key file in the proxy container. */
export const proxyKeyFile = (service: string): string => `${SECRETS_DIR}/${service}.api-key`;

export interface ProxyInput extends ContainerInput {
  readonly conf: Artifact;
  readonly authJs: Artifact;
  /** Host ports its sites listen on. */
  readonly ports: readonly number[];
  /** Services whose key it checks. */
  readonly keyed: readonly string[];
}

export function frontProxy(i: ProxyInput): ContainerSpec {
  // nginx's workers (user nginx) read the key on each request: readable inside this container,
  // whose only program is nginx; the key is never in its config, env or argv.
  const keys: SecretUpload[] = i.keyed.map((s) => ({ containerPath: proxyKeyFile(s), secret: `apiKeys.${s}`, mode: "0444" }));
  return {
    ...baseSpec("proxy", i, { [LABELS.hostPorts]: i.ports.join(",") }),
    key: "proxy",
    name: `${i.stack}-proxy`,
    command: ["nginx", "-e", "stderr", "-c", `${PROXY_CONF_DIR}/nginx.conf`],
    hostNetwork: true,
    hostPorts: [...i.ports],
    files: [upload(i.conf, `${PROXY_CONF_DIR}/nginx.conf`), upload(i.authJs, `${PROXY_CONF_DIR}/auth.js`)],
    secretFiles: keys,
  };
}
