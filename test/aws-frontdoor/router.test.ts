import { describe, expect, test } from "vitest";
import { REGISTER_INTERVAL_SECONDS } from "../../components/render/scripts/register-workers";
import {
  registerScriptPath,
  routerDockerfile,
  routerImageTag,
  routerNodeFiles,
} from "../../components/render/router-unit";
import { systemdArg } from "../../components/render/systemd";
import {
  parseRouterArgs,
  ROUTER_ARGS,
  ROUTER_REQUIREMENT,
  routerArgs,
  routerArgsFor,
  routerWorkerUrls,
  workerStartupTimeoutSecs,
} from "../../components/sglang/router-args";
import { crossNodeConfig, parse, plan, prodConfig, singleConfig } from "./fixtures";
import { IMAGES, PORTS } from "../../components/contract";

const SGLANG_IMAGE = IMAGES.sglang;
const noRemote = (node: string): string => {
  throw new Error(`unexpected remote worker on ${node}`);
};

describe("router flag table", () => {
  test("holds exactly the 25 flags of launch_router.py at v0.4.9.post2, plus argparse's --help", () => {
    // The list in /work/shared/reference/sglang-router-0.1.5/router-args.md, in its order.
    const reference = [
      "--host", "--port", "--worker-urls", "--policy", "--pd-disaggregation", "--prefill", "--decode",
      "--worker-startup-timeout-secs", "--worker-startup-check-interval", "--cache-threshold",
      "--balance-abs-threshold", "--balance-rel-threshold", "--eviction-interval", "--max-tree-size",
      "--max-payload-size", "--log-dir", "--log-level", "--service-discovery", "--selector",
      "--service-discovery-port", "--service-discovery-namespace", "--prefill-selector",
      "--decode-selector", "--prometheus-port", "--prometheus-host",
    ];
    expect(reference.length).toBe(25);
    expect(ROUTER_ARGS.flatMap((a) => a.flags)).toEqual(["-h", "--help", ...reference]);
  });

  test("knows the policies, the router defaults and that --worker-urls takes one or more", () => {
    const byDest = Object.fromEntries(ROUTER_ARGS.map((a) => [a.dest, a]));
    expect(byDest.policy.choices).toEqual(["random", "round_robin", "cache_aware", "power_of_two"]);
    expect(byDest.worker_urls.nargs).toBe("+");
    expect([byDest.host.default, byDest.port.default, byDest.worker_startup_timeout_secs.default, byDest.prometheus_port.default]).toEqual(["127.0.0.1", 30000, 300, 29000]);
  });
});

describe("router argv", () => {
  const prod = plan(prodConfig());
  const qwen3 = prod.services[0];

  test("prod's qwen3 router: cache_aware on the service port, same-node workers on loopback, metrics on the planned port", () => {
    expect(routerArgsFor(qwen3, noRemote)).toEqual([
      "--host", "0.0.0.0",
      "--port", "9001",
      "--worker-urls", `http://127.0.0.1:${PORTS.workerBase}`, "http://127.0.0.1:30001",
      "--policy", "cache_aware",
      "--worker-startup-timeout-secs", "480",
      "--prometheus-host", "0.0.0.0",
      "--prometheus-port", String(PORTS.routerMetricsBase),
    ]);
  });

  test("every planned router argv parses cleanly with the values the plan asked for", () => {
    for (const svc of prod.services) {
      const r = parseRouterArgs(routerArgsFor(svc, noRemote));
      expect(r.errors).toEqual([]);
      expect(r.values).toMatchObject({ host: "0.0.0.0", port: svc.router!.port, policy: "cache_aware", prometheus_port: svc.router!.metricsPort });
      expect(r.values.worker_urls).toEqual(svc.router!.workers.map((w) => `http://127.0.0.1:${w.port}`));
    }
  });

  test("a worker on another node is reached at that node's address", () => {
    const svc = plan(crossNodeConfig()).services[0];
    expect(routerWorkerUrls(svc.router!, (n) => ({ "gpu-1": "10.0.17.9" })[n]!)).toEqual([`http://127.0.0.1:${PORTS.workerBase}`, `http://10.0.17.9:${PORTS.workerBase}`]);
  });

  test("a service with one replica has no router", () => {
    const svc = plan(singleConfig()).services[0];
    expect(svc.router).toBeUndefined();
    expect(() => routerArgsFor(svc, noRemote)).toThrow("service 'qwen3-32b' has 1 replica(s) and no router");
  });

  test("startup timeout is twice the planned cold start in whole minutes, never below the router's 300 s", () => {
    expect(qwen3.coldStart.totalSeconds).toBe(227);
    expect(workerStartupTimeoutSecs(qwen3)).toBe(480);
    expect(workerStartupTimeoutSecs({ ...qwen3, coldStart: { ...qwen3.coldStart, totalSeconds: 20 } })).toBe(300);
  });

  test.each([
    [["--policy", "least_loaded"], "argument --policy: invalid choice: 'least_loaded' (choose from 'random', 'round_robin', 'cache_aware', 'power_of_two')"],
    [["--worker-urls"], "argument --worker-urls: expected at least one argument"],
    [["--port", "nine"], "argument --port: invalid int value: 'nine'"],
    [["--api-key", "k"], "unrecognized arguments: --api-key k"],
    [["--prometheus", "1"], "ambiguous option: --prometheus could match --prometheus-port, --prometheus-host"],
    [["--prefill", "http://p:1"], "argument --prefill: expected 2 arguments"],
    [["-h"], "-h prints the help and exits instead of starting the router"],
    [["http://w:1"], "unrecognized arguments: http://w:1"],
  ])("rejects %j like argparse would", (argv, error) => {
    expect(parseRouterArgs(argv).errors).toEqual([error]);
  });

  test("accepts unambiguous prefixes and --flag=value, and appends repeated --decode", () => {
    const r = parseRouterArgs(["--pol=round_robin", "--cache-thr", "0.3", "--decode", "http://d1:1", "--decode", "http://d2:1"]);
    expect(r).toEqual({ values: { policy: "round_robin", cache_threshold: 0.3, decode: [["http://d1:1"], ["http://d2:1"]] }, errors: [] });
  });

  test("a router needs workers", () => {
    expect(() => routerArgs({ port: 9001, metricsPort: PORTS.routerMetricsBase, policy: "cache_aware", workerUrls: [], workerStartupTimeoutSecs: 300 })).toThrow("a router needs at least one worker URL");
  });
});

describe("router units on the node", () => {
  const prod = plan(prodConfig());
  const files = routerNodeFiles({ services: prod.services, sglangImage: SGLANG_IMAGE, addressOf: noRemote });
  const unit = (name: string) => files.units.find((u) => u.name === name)!.content;

  test("one image build, and per routed service a router unit plus a registration service and timer", () => {
    expect(files.units.map((u) => [u.name, u.enable])).toEqual([
      ["sglang-router-image.service", false],
      ["sglang-router-qwen3-32b.service", true],
      ["sglang-router-qwen3-32b-workers.service", false],
      ["sglang-router-qwen3-32b-workers.timer", true],
      ["sglang-router-qwen25-vl-32b.service", true],
      ["sglang-router-qwen25-vl-32b-workers.service", false],
      ["sglang-router-qwen25-vl-32b-workers.timer", true],
    ]);
    expect(files.files.map((f) => [f.path, f.mode ?? 0o644])).toEqual([
      ["/etc/qwen-serving/sglang-router/Dockerfile", 0o644],
      [registerScriptPath("qwen3-32b"), 0o755],
      [registerScriptPath("qwen25-vl-32b"), 0o755],
    ]);
  });

  test("the router unit runs `python3 -m sglang_router.launch_router <planned argv>` exactly, on the host network", () => {
    const execStart = unit("sglang-router-qwen3-32b.service").split("\n").find((l) => l.startsWith("ExecStart="))!;
    const tag = routerImageTag(SGLANG_IMAGE);
    expect(execStart).toBe(
      `ExecStart=/usr/bin/docker run --rm --name sglang-router-qwen3-32b --network host --log-driver journald ${tag} python3 -m sglang_router.launch_router ${routerArgsFor(prod.services[0], noRemote).join(" ")}`,
    );
    expect(unit("sglang-router-qwen3-32b.service")).toContain("Restart=always\n");
    expect(unit("sglang-router-qwen3-32b.service")).toContain("Requires=docker.service sglang-router-image.service\n");
  });

  test("the router image is sglang-router==0.1.5 on the pinned SGLang image, without touching its packages", () => {
    expect(routerImageTag(SGLANG_IMAGE)).toBe("qwen-serving/sglang-router:0.1.5-v0.4.9.post2-cu126");
    expect(routerImageTag(`lmsysorg/sglang@sha256:${"a".repeat(64)}`)).toBe(`qwen-serving/sglang-router:0.1.5-sha256-${"a".repeat(64)}`);
    const dockerfile = routerDockerfile(SGLANG_IMAGE);
    expect(dockerfile).toContain(`FROM ${SGLANG_IMAGE}\n`);
    expect(dockerfile).toContain(`pip install --no-cache-dir --no-deps --only-binary=:all: ${ROUTER_REQUIREMENT} `);
    expect(ROUTER_REQUIREMENT).toBe("sglang-router==0.1.5");
    expect(unit("sglang-router-image.service")).toContain(`ExecStart=/usr/bin/docker build --tag ${routerImageTag(SGLANG_IMAGE)} /etc/qwen-serving/sglang-router\n`);
  });

  test("the registration timer fires every 30 s", () => {
    expect(REGISTER_INTERVAL_SECONDS).toBe(30);
    expect(unit("sglang-router-qwen3-32b-workers.timer")).toContain("OnUnitActiveSec=30\n");
  });

  test("a node without routers gets nothing", () => {
    expect(routerNodeFiles({ services: plan(singleConfig()).services, sglangImage: SGLANG_IMAGE, addressOf: noRemote })).toEqual({ units: [], files: [] });
  });

  test("systemd quoting escapes specifiers and variables", () => {
    expect(systemdArg(`http://127.0.0.1:${PORTS.workerBase}`)).toBe(`http://127.0.0.1:${PORTS.workerBase}`);
    expect(systemdArg('a b"$x%')).toBe('"a b\\"$$x%%"');
  });
});

describe("config for the router is the plan's", () => {
  test("the parsed prod config has two replicas per service, so both get routers", () => {
    const cfg = parse(prodConfig());
    expect(cfg.services.map((s) => s.replicas)).toEqual([2, 2]);
    expect(plan(prodConfig()).services.map((s) => s.router?.node)).toEqual(["gpu-0", "gpu-0"]);
  });
});
