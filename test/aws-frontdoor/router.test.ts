import { describe, expect, test } from "vitest";
import { REGISTER_INTERVAL_SECONDS } from "../../components/render/scripts/register-workers";
import {
  registerScriptPath,
  routerDockerfile,
  routerImageTag,
  routerNodeFiles,
} from "../../components/render/aws/router-units";
import { systemdArg } from "../../components/render/systemd";
import {
  parseRouterArgs,
  ROUTER_ARGS,
  ROUTER_REQUIREMENT,
  routerArgs,
  routerArgsFor,
  routerWorkerUrls,
  WORKER_STARTUP_TIMEOUT_SECS,
} from "../../components/sglang/router-args";
import { crossNodeConfig, parse, plan, prodConfig, singleConfig } from "./fixtures";
import { IMAGES, PORTS } from "../../components/contract";

const SGLANG_IMAGE = IMAGES.sglang;
const noRemote = (node: string): string => {
  throw new Error(`unexpected remote worker on ${node}`);
};

describe("router flag table", () => {
  test("is smg 1.13.0's own argparse, extracted from the wheel: the flags the argv uses are there, sglang-router 0.1.5's removed ones are not", () => {
    const flags = new Set(ROUTER_ARGS.flatMap((a) => a.flags));
    expect(ROUTER_ARGS.length).toBe(213);
    for (const f of ["--max-buffered-request-bytes", "--power-of-two-load-metric", "--health-check-endpoint", "--disable-tokenizer-autoload", "--request-timeout-secs", "--cb-failure-threshold"]) expect(flags.has(f)).toBe(true);
    expect(flags.has("--eviction-interval")).toBe(false);
  });

  test("knows the policies, the router defaults and that --worker-urls takes any number", () => {
    const byDest = Object.fromEntries(ROUTER_ARGS.map((a) => [a.dest, a]));
    expect(byDest.policy.choices).toEqual(["random", "round_robin", "passthrough", "cache_aware", "power_of_two", "least_load", "manual", "consistent_hashing", "prefix_hash"]);
    expect(byDest.worker_urls).toMatchObject({ nargs: "*", action: "extend" });
    expect([byDest.host.default, byDest.port.default, byDest.worker_startup_timeout_secs.default, byDest.prometheus_port.default, byDest.max_buffered_request_bytes.default]).toEqual(["0.0.0.0", 30000, 1800, 29000, 1048576]);
  });
});

describe("router argv", () => {
  const prod = plan(prodConfig());
  const qwen3 = prod.services[0];
  const loopback = { host: "127.0.0.1", port: 19001, metricsPort: 39000, requestTimeoutSecs: 1200 };

  test("prod's qwen3 router: power_of_two without buffering (bodies forwarded verbatim), probes on /health_generate, where the platform says", () => {
    expect(routerArgsFor(qwen3, noRemote, loopback)).toEqual([
      "--host", "127.0.0.1",
      "--port", "19001",
      "--worker-urls", `http://127.0.0.1:${PORTS.workerBase}`, "http://127.0.0.1:30001",
      "--policy", "power_of_two",
      "--power-of-two-load-metric", "least_requests",
      "--max-buffered-request-bytes", "0",
      "--worker-startup-timeout-secs", String(WORKER_STARTUP_TIMEOUT_SECS),
      "--worker-startup-check-interval", "5",
      "--health-check-endpoint", "/health_generate",
      "--health-check-timeout-secs", "25",
      "--health-check-interval-secs", "5",
      "--health-failure-threshold", "2",
      "--health-success-threshold", "1",
      "--cb-failure-threshold", "2",
      "--cb-timeout-duration-secs", "10",
      "--request-timeout-secs", "1200",
      "--disable-tokenizer-autoload",
      "--prometheus-host", "127.0.0.1",
      "--prometheus-port", "39000",
    ]);
  });

  test("every planned router argv parses cleanly with the values the plan asked for", () => {
    for (const svc of prod.services) {
      const r = parseRouterArgs(routerArgsFor(svc, noRemote));
      expect(r.errors).toEqual([]);
      expect(r.values).toMatchObject({ host: "0.0.0.0", port: svc.router!.port, policy: "power_of_two", max_buffered_request_bytes: 0, prometheus_port: svc.router!.metricsPort });
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

  test("a worker down at start is probed for a week, not for the cold start: one unregistered after the timeout never joins", () => {
    expect(WORKER_STARTUP_TIMEOUT_SECS).toBe(604800);
  });

  test.each([
    [["--policy", "least_loaded"], "argument --policy: invalid choice: 'least_loaded' (choose from 'random', 'round_robin', 'passthrough', 'cache_aware', 'power_of_two', 'least_load', 'manual', 'consistent_hashing', 'prefix_hash')"],
    [["--port", "nine"], "argument --port: invalid int value: 'nine'"],
    [["--api-keys", "k"], "unrecognized arguments: --api-keys k"],
    [["--prometheus", "1"], "ambiguous option: --prometheus could match --prometheus-port, --prometheus-host, --prometheus-duration-buckets"],
    [["-h"], "-h prints the help and exits instead of starting the router"],
    [["http://w:1"], "unrecognized arguments: http://w:1"],
  ])("rejects %j like argparse would", (argv, error) => {
    expect(parseRouterArgs(argv).errors).toEqual([error]);
  });

  test("accepts unambiguous prefixes and --flag=value, and appends repeated --decode", () => {
    const r = parseRouterArgs(["--pol=round_robin", "--cache-thr", "0.3", "--decode", "http://d1:1", "--decode", "http://d2:1"]);
    expect(r).toEqual({ values: { policy: "round_robin", cache_threshold: 0.3, decode: [["http://d1:1"], ["http://d2:1"]] }, errors: [] });
  });

  test("a router needs two workers (power_of_two refuses to start with one)", () => {
    expect(() => routerArgs({ ...loopback, workerUrls: ["http://127.0.0.1:1"] })).toThrow("a router needs at least two worker URLs");
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

  test("the router unit runs `python3 -m smg.launch_router <planned argv>` exactly, on the host network", () => {
    const execStart = unit("sglang-router-qwen3-32b.service").split("\n").find((l) => l.startsWith("ExecStart="))!;
    const tag = routerImageTag(SGLANG_IMAGE);
    expect(execStart).toBe(
      `ExecStart=/usr/bin/docker run --rm --name sglang-router-qwen3-32b --network host --log-driver journald ${tag} python3 -m smg.launch_router ${routerArgsFor(prod.services[0], noRemote).join(" ")}`,
    );
    expect(unit("sglang-router-qwen3-32b.service")).toContain("Restart=always\n");
    // Wants, not Requires, the image build: a start job failed on a dependency is never retried.
    expect(unit("sglang-router-qwen3-32b.service")).toContain("Requires=docker.service\nWants=sglang-router-image.service network-online.target\n");
  });

  test("the router image is smg==1.13.0 on the pinned SGLang image, without touching its packages", () => {
    expect(routerImageTag(SGLANG_IMAGE)).toBe("qwen-serving/sglang-router:1.13.0-v0.4.9.post2-cu126");
    expect(routerImageTag(`lmsysorg/sglang@sha256:${"a".repeat(64)}`)).toBe(`qwen-serving/sglang-router:1.13.0-sha256-${"a".repeat(64)}`);
    const dockerfile = routerDockerfile(SGLANG_IMAGE);
    expect(dockerfile).toContain(`FROM ${SGLANG_IMAGE}\n`);
    expect(dockerfile).toContain(`pip install --no-cache-dir --no-deps --only-binary=:all: ${ROUTER_REQUIREMENT} `);
    expect(ROUTER_REQUIREMENT).toBe("smg==1.13.0");
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
