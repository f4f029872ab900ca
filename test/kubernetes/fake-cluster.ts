// The pods API of a cluster, for tests without one: the pods a StatefulSet, Deployment or Job would
// run from our templates, and an API server on loopback that lists them and streams their changes
// to watchers, as client-go and kube-rs reflectors expect.
import http from "http";
import { AddressInfo } from "net";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec" with { "resolution-mode": "import" };

export interface PodObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly resourceVersion?: string;
    readonly deletionTimestamp?: string;
  };
  readonly spec: NonNullable<IPodTemplateSpec["spec"]>;
  readonly status: { readonly phase: string; readonly podIP?: string; readonly conditions?: readonly { type: string; status: string }[] };
}

/** How far a pod got: running and passing its readiness probe, running but failing it, or not started. */
export type PodState = "ready" | "not-ready" | "pending";

/** A pod of `template` at `ip`, as the kubelet would report it in `state`. */
export function podOf(template: IPodTemplateSpec, name: string, namespace: string, ip: string, nodeName: string, state: PodState = "ready"): PodObject {
  const status =
    state === "pending"
      ? { phase: "Pending", podIP: ip, conditions: [{ type: "Ready", status: "False" }] }
      : { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: state === "ready" ? "True" : "False" }] };
  return {
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels: { ...template.metadata?.labels }, annotations: { ...template.metadata?.annotations } },
    spec: { ...template.spec!, nodeName },
    status,
  };
}

type Match = (pod: PodObject) => boolean;

/** An equality-based label selector (`k=v`, `k==v`, `k!=v`, comma-separated); set-based ones throw. */
function labelMatch(selector: string): Match {
  const terms = selector
    .split(",")
    .filter(Boolean)
    .map((t) => {
      const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(t);
      if (!m) throw new Error(`unsupported labelSelector term '${t}'`);
      return { key: m[1], negate: m[2] === "!=", value: m[3] };
    });
  return (pod) => terms.every((t) => (pod.metadata.labels?.[t.key] === t.value) !== t.negate);
}

/** The pod fields the API server lets a fieldSelector name (pkg/registry/core/pod/strategy.go PodToSelectableFields, the ones used here). */
const FIELDS: Record<string, (p: PodObject) => string | undefined> = {
  "metadata.name": (p) => p.metadata.name,
  "metadata.namespace": (p) => p.metadata.namespace,
  "spec.nodeName": (p) => p.spec.nodeName,
  "status.phase": (p) => p.status.phase,
  "status.podIP": (p) => p.status.podIP,
};

function fieldMatch(selector: string): Match {
  const terms = selector
    .split(",")
    .filter(Boolean)
    .map((t) => {
      const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(t);
      if (!m || !FIELDS[m[1]]) throw new Error(`unsupported fieldSelector term '${t}'`);
      return { get: FIELDS[m[1]], negate: m[2] === "!=", value: m[3] };
    });
  return (pod) => terms.every((t) => (t.get(pod) === t.value) !== t.negate);
}

interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly rv: number;
  readonly pod: PodObject;
}

/**
 * `/api/v1/pods` and `/api/v1/namespaces/<ns>/pods` as the API server answers them: LIST filtered by
 * namespace, `labelSelector` and `fieldSelector`, with the list's resourceVersion; WATCH
 * (`watch=true`) replays the changes after the given `resourceVersion` that match, then streams new
 * ones as JSON lines until `timeoutSeconds` or the client leaves. Every object carries its
 * resourceVersion (watchers resume from it). Other paths are 404, other methods 405, a selector this
 * cannot evaluate 400; every request is recorded.
 */
export class FakeApiServer {
  /** `METHOD path?query` of every request, in order. */
  readonly requests: string[] = [];
  private readonly server = http.createServer((req, res) => this.answer(req, res));
  private readonly pods = new Map<string, PodObject>();
  private readonly events: WatchEvent[] = [];
  private readonly watchers = new Set<{ res: http.ServerResponse; match: Match }>();
  private rv = 1;

  constructor(pods: readonly PodObject[]) {
    for (const p of pods) this.pods.set(key(p), this.stamp(p));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Creates or replaces a pod: an ADDED or MODIFIED event for the watchers. */
  apply(pod: PodObject): void {
    const type = this.pods.has(key(pod)) ? "MODIFIED" : "ADDED";
    this.emit(type, pod);
  }

  /** Removes a pod: a DELETED event. */
  delete(pod: PodObject): void {
    if (!this.pods.has(key(pod))) throw new Error(`no pod ${key(pod)}`);
    this.emit("DELETED", pod);
  }

  private stamp(pod: PodObject): PodObject {
    this.rv += 1;
    return { ...pod, metadata: { ...pod.metadata, resourceVersion: String(this.rv) } };
  }

  private emit(type: WatchEvent["type"], pod: PodObject): void {
    const stamped = this.stamp(pod);
    if (type === "DELETED") this.pods.delete(key(pod));
    else this.pods.set(key(pod), stamped);
    const event = { type, rv: this.rv, pod: stamped };
    this.events.push(event);
    for (const w of this.watchers) if (w.match(stamped)) w.res.write(line(event));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (!path) return status(res, 404, "NotFound", `${url.pathname} is not served here`);
    if (req.method !== "GET") return status(res, 405, "MethodNotAllowed", `${req.method} is not served here`);
    let match: Match;
    try {
      const labels = labelMatch(url.searchParams.get("labelSelector") ?? "");
      const fields = fieldMatch(url.searchParams.get("fieldSelector") ?? "");
      const namespace = path[1];
      match = (p) => (namespace === undefined || p.metadata.namespace === namespace) && labels(p) && fields(p);
    } catch (e) {
      return status(res, 400, "BadRequest", (e as Error).message);
    }
    if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
      const from = Number(url.searchParams.get("resourceVersion") ?? "0");
      res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
      for (const e of this.events) if (e.rv > from && match(e.pod)) res.write(line(e));
      const watcher = { res, match };
      this.watchers.add(watcher);
      const seconds = Number(url.searchParams.get("timeoutSeconds") ?? "0");
      const timer = seconds > 0 ? setTimeout(() => res.end(), seconds * 1000) : undefined;
      res.on("close", () => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
      });
      return;
    }
    const items = [...this.pods.values()].filter(match);
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(this.rv) }, items }));
  }
}

const key = (p: PodObject) => `${p.metadata.namespace}/${p.metadata.name}`;
const line = (e: WatchEvent) => `${JSON.stringify({ type: e.type, object: { kind: "Pod", apiVersion: "v1", ...e.pod } })}\n`;

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }));
}
