// The kubernetes router judged by the real router: smg 1.13.0 (the pinned wheel in .tools/router,
// scripts/install-router-venv.sh) runs with exactly the argv of the k8s stack's router Deployments
// (Pulumi.k8s.yaml with two replicas per service), in a network namespace of the test's own where
// the replicas' StatefulSet DNS names (`<statefulset>-<i>.<headless>.<namespace>.svc`, from the
// rendered --worker-urls) resolve to 127.0.90.x through the namespace's hosts file, as the cluster
// DNS would answer in the pod. Echo workers (echo_worker.py) stand for the replicas' front proxies
// at those addresses and the planned worker port, and record every body.
//
// Not a single flag is changed: in the pod smg binds the pod's own loopback, and here it binds the
// namespace's, where nothing else listens, so the rendered --port and --prometheus-port are free.
// Replica 1 of each service is absent when the routers start (no DNS record, no server), as a
// StatefulSet pod still being scheduled is.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { renderServingManifests } from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { ROUTER_MODULE, parseRouterArgs } from "../../components/sglang/router-args";
import { ServicePlan, planDeployment } from "../../components/sglang/planner";
import { HostsNetNamespace, Proc, Sandbox, chatBodies, exampleScriptRunner, received, receivedBody, requireRouter, waitFor } from "../render/proxy/harness";
import { routedConfig } from "./helpers";

const config = routedConfig();
const plan = planDeployment("k8s", config);
const settings = resolveKubernetesSettings(config);
const serving = renderServingManifests({ plan, config, settings });
const box = new Sandbox();

interface Replica {
  /** The pod's DNS name as the router's --worker-urls hold it. */
  readonly host: string;
  readonly port: number;
  /** Its pod name, the echo worker's name. */
  readonly pod: string;
  readonly address: string;
}

interface Routed {
  readonly svc: ServicePlan;
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** The router's own port in the pod (its loopback, behind the sidecar). */
  readonly port: number;
  readonly replicas: readonly Replica[];
}

let nextAddress = 1;
const routed: Routed[] = serving.services.map((m) => {
  const svc = plan.services.find((s) => s.name === m.service)!;
  const c = m.router!.deployment.spec!.template.spec!.containers.find((x) => x.name === "router")!;
  const values = parseRouterArgs(c.args!).values;
  const replicas = (values.worker_urls as string[]).map((u) => {
    const url = new URL(u);
    return { host: url.hostname, port: Number(url.port), pod: url.hostname.split(".")[0], address: `127.0.90.${nextAddress++}` };
  });
  return { svc, command: c.command!, args: c.args!, port: values.port as number, replicas };
});
const [qwen3, vl] = routed;
const ns = new HostsNetNamespace(
  box,
  routed.flatMap((r) => r.replicas.map((x) => x.address)),
);
/** A worker on the namespace's loopback: what the example scripts send, for comparison. */
const DIRECT = 8080;
const up = new Set<Replica>();

const hosts = () => Object.fromEntries([...up].map((x) => [x.host, x.address]));

/** A replica coming up: its DNS record, then its server. */
async function bringUp(r: Routed, x: Replica): Promise<void> {
  up.add(x);
  ns.setHosts(hosts());
  worker(x.pod, x.address, x.port, r.svc.model.id);
  await waitFor(`${x.pod} on ${x.address}:${x.port}`, async () => (await ns.run("curl", ["-sf", `http://${x.address}:${x.port}/health`])).code === 0, 15_000);
}

function worker(name: string, address: string, port: number, model: string): Proc {
  return ns.start(name, "python3", box.workerArgs(name, port, model, address));
}

/** The pod that answered a chat completion through a router (echo workers name themselves); "" for an error. */
async function chatOnce(r: Routed): Promise<string> {
  const a = await ns.curl(r.port, "/v1/chat/completions", { body: JSON.stringify({ model: r.svc.model.id, messages: [{ role: "user", content: "hi" }] }) });
  return a.status === 200 ? (JSON.parse(a.body.toString()).worker as string) : "";
}

beforeAll(async () => {
  const python = requireRouter();
  await ns.open();
  for (const r of routed) await bringUp(r, r.replicas[0]);
  worker("direct", "127.0.0.1", DIRECT, qwen3.svc.model.id);
  await waitFor("direct worker", async () => (await ns.curl(DIRECT, "/health")).status === 200);
  for (const r of routed) {
    expect(r.command).toEqual(["python3", "-m", ROUTER_MODULE]);
    ns.start(`router-${r.svc.name}`, python, [...r.command.slice(1), ...r.args]);
  }
  for (const r of routed) await waitFor(`${r.svc.name}'s router serving through ${r.replicas[0].pod}`, async () => (await chatOnce(r)) === r.replicas[0].pod, 60_000);
}, 120_000);

afterAll(async () => {
  await box.stopAll();
  await ns.close();
});

describe("the rendered router reaches the StatefulSet's pods by their DNS names", () => {
  test("one URL per replica: the pod's name under the headless Service, at the port its front proxy holds", () => {
    for (const [i, m] of serving.services.entries()) {
      const sts = m.statefulSet;
      const proxy = sts.spec!.template.spec!.initContainers!.find((c) => c.name === "proxy")!;
      expect(routed[i].replicas.map((x) => `${x.host}:${x.port}`)).toEqual(
        [0, 1].map((k) => `${sts.metadata!.name}-${k}.${sts.spec!.serviceName}.${settings.namespace}.svc:${proxy.ports![0].containerPort}`),
      );
      expect(m.headless.metadata!.name).toBe(sts.spec!.serviceName);
      expect(sts.spec!.replicas).toBe(2);
    }
  });

  test("with replica 1 absent at start, every request is served by replica 0, which was asked by its DNS name", async () => {
    for (const r of [qwen3, vl]) {
      const got: string[] = [];
      for (let i = 0; i < 6; i++) got.push(await chatOnce(r));
      expect(got).toEqual(Array(6).fill(r.replicas[0].pod));
      const chats = received(box, r.replicas[0].pod).filter((x) => x.path === "/v1/chat/completions");
      expect(new Set(chats.map((x) => x.headers.host))).toEqual(new Set([`${r.replicas[0].host}:${r.replicas[0].port}`]));
    }
  });
});

describe("bodies arrive byte for byte", () => {
  test.each([
    ["Qwen3", () => qwen3, false],
    ["Qwen2.5-VL with an inline PNG", () => vl, true],
  ])("the %s example script's requests", async (_what, which, withImage) => {
    const r = which();
    const runTo = exampleScriptRunner(box, r.svc, withImage, (cmd, args, opts) => ns.run(cmd, args, opts));
    const pod = r.replicas[0].pod;
    const [d0, w0] = [received(box, "direct").length, received(box, pod).length];
    await runTo(DIRECT);
    await runTo(r.port);
    const sent = chatBodies(box, "direct", d0);
    expect(sent.length).toBe(withImage ? 2 : 1);
    expect(chatBodies(box, pod, w0)).toEqual(sent);
  });

  test.each([
    ["Qwen3: /generate without a model", () => qwen3, { text: "The capital of France is", sampling_params: { max_new_tokens: 8, top_k: 20 } }],
    [
      "Qwen2.5-VL: /generate without a model, with image_data and an unknown field",
      () => vl,
      {
        text: "<|vision_start|><|image_pad|><|vision_end|>What is this?",
        image_data: "data:image/png;base64,iVBORw0KGgo=",
        sampling_params: { max_new_tokens: 8, min_p: 0.1 },
        unknown_field: { z: 1 },
      },
    ],
  ])("%s", async (_what, which, body) => {
    const r = which();
    // Indented, so any re-serialisation (spacing, key order, added defaults) shows.
    const bytes = Buffer.from(JSON.stringify(body, null, 1));
    const pod = r.replicas[0].pod;
    const w0 = received(box, pod).length;
    expect((await ns.curl(r.port, "/generate", { body: bytes })).status).toBe(200);
    const got = received(box, pod)
      .slice(w0)
      .filter((x) => x.path === "/generate");
    expect(got.map((x) => receivedBody(box, x).toString())).toEqual([bytes.toString()]);
  });
});

describe("a replica that appears later", () => {
  test("gets traffic once its DNS name resolves and it answers", async () => {
    for (const r of [qwen3, vl]) await bringUp(r, r.replicas[1]);
    for (const r of [qwen3, vl]) {
      await waitFor(`${r.replicas[1].pod} taking requests`, async () => (await chatOnce(r)) === r.replicas[1].pod, 60_000);
      const got = new Set<string>();
      for (let i = 0; i < 20; i++) got.add(await chatOnce(r));
      expect([...got].sort()).toEqual(r.replicas.map((x) => x.pod).sort());
    }
  }, 150_000);
});
