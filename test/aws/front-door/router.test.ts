import { describe, expect, test } from "vitest";
import { readFileSync } from "fs";
import { nodeRouterArgs, routerDockerfile, routerImageTag, routerNodeFiles, routerRequirements } from "../../../components/render/aws/router-units";
import { systemdArg } from "../../../components/render/systemd";
import { parseRouterArgs, ROUTER_ARGS, ROUTER_REQUIREMENTS_FILE, routerArgs, routerArgsFor, routerWorkerUrls, WORKER_STARTUP_TIMEOUT_SECS } from "../../../components/sglang/router-args";
import release from "../../../components/sglang/router-release.json";
import { crossNodeConfig, parse, plan, prodConfig, singleConfig } from "./fixtures";
import { IMAGES, PORTS } from "../../../components/contract";

const SGLANG_IMAGE = IMAGES.sglang;
const noRemote = (node: string): string => {
  throw new Error(`unexpected remote worker on ${node}`);
};

describe("router flag table", () => {
  test("is smg 1.13.0's own argparse, extracted from the wheel: the flags the argv uses are there, sglang-router 0.1.5's removed ones are not", () => {
    const flags = new Set(ROUTER_ARGS.flatMap((a) => a.flags));
    expect(ROUTER_ARGS.length).toBe(213);
    for (const f of ["--max-buffered-request-bytes", "--power-of-two-load-metric", "--health-check-endpoint", "--disable-tokenizer-autoload", "--request-timeout-secs", "--cb-failure-threshold"])
      expect(flags.has(f)).toBe(true);
    expect(flags.has("--eviction-interval")).toBe(false);
  });

  test("knows the policies, the router defaults and that --worker-urls takes any number", () => {
    const byDest = Object.fromEntries(ROUTER_ARGS.map((a) => [a.dest, a]));
    expect(byDest.policy.choices).toEqual(["random", "round_robin", "passthrough", "cache_aware", "power_of_two", "least_load", "manual", "consistent_hashing", "prefix_hash"]);
    expect(byDest.worker_urls).toMatchObject({ nargs: "*", action: "extend" });
    expect([byDest.host.default, byDest.port.default, byDest.worker_startup_timeout_secs.default, byDest.prometheus_port.default, byDest.max_buffered_request_bytes.default]).toEqual([
      "0.0.0.0",
      30000,
      1800,
      29000,
      1048576,
    ]);
  });
});

/**
 * The flags router-release.json documents (each with its evidence), as the values smg's argparse
 * gives them: `--flag value` pairs, a store_true flag alone, and flags with no value there (the plan
 * gives it: --request-timeout-secs) left out.
 */
const documented: Record<string, unknown> = (() => {
  const byFlag = new Map(ROUTER_ARGS.flatMap((a) => a.flags.map((f) => [f, a] as const)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(release.chosen.flags)) {
    const tokens = key.split(/[ ,]+/).filter(Boolean);
    tokens.forEach((t, i) => {
      if (!t.startsWith("--")) return;
      const spec = byFlag.get(t);
      if (!spec) throw new Error(`router-release.json documents ${t}, which smg ${release.chosen.version} does not have`);
      const next = tokens[i + 1];
      if (spec.action === "store_true") out[spec.dest] = true;
      else if (next !== undefined && !next.startsWith("--")) out[spec.dest] = spec.type === "int" || spec.type === "float" ? Number(next) : next;
    });
  }
  return out;
})();

describe("router argv", () => {
  const prod = plan(prodConfig());
  const qwen3 = prod.services[0];
  const loopback = { host: "127.0.0.1", port: 19001, metricsPort: 39000, requestTimeoutSecs: 1200 };

  test("prod's qwen3 router: smg's argparse takes it; where it listens and whom it routes to is the plan's, every other flag router-release.json's measured choice", () => {
    const argv = routerArgsFor(qwen3, noRemote, loopback);
    const r = parseRouterArgs(argv);
    expect(r.errors).toEqual([]);
    const fromPlan = {
      host: loopback.host,
      port: loopback.port,
      worker_urls: qwen3.router!.workers.map((w) => `http://127.0.0.1:${w.port}`),
      request_timeout_secs: loopback.requestTimeoutSecs,
      prometheus_port: loopback.metricsPort,
    };
    expect(r.values).toMatchObject({ ...documented, ...fromPlan });
    // Nothing else: every flag given is either the plan's or documented with its reason.
    expect(new Set(Object.keys(r.values))).toEqual(new Set([...Object.keys(documented), ...Object.keys(fromPlan)]));
    // What matters most, spelled out: bodies reach SGLang verbatim (no buffering, a policy that reads no body).
    expect([r.values.policy, r.values.max_buffered_request_bytes]).toEqual(["power_of_two", 0]);
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
    [
      ["--policy", "least_loaded"],
      "argument --policy: invalid choice: 'least_loaded' (choose from 'random', 'round_robin', 'passthrough', 'cache_aware', 'power_of_two', 'least_load', 'manual', 'consistent_hashing', 'prefix_hash')",
    ],
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
  const files = routerNodeFiles({ services: prod.services, sglangImage: SGLANG_IMAGE, addressOf: noRemote, requestTimeoutSecs: 1200 });
  const unit = (name: string) => files.units.find((u) => u.name === name)!.content;

  test("one image build and one router unit per routed service; no registration timer (smg probes and takes workers in itself)", () => {
    expect(files.units.map((u) => [u.name, u.enable])).toEqual([
      ["sglang-router-image.service", false],
      ["sglang-router-qwen3-32b.service", true],
      ["sglang-router-qwen25-vl-32b.service", true],
    ]);
    expect(files.files.map((f) => [f.path, f.mode ?? 0o644])).toEqual([
      ["/etc/qwen-serving/sglang-router/Dockerfile", 0o644],
      ["/etc/qwen-serving/sglang-router/router-requirements.txt", 0o644],
    ]);
  });

  test("the router unit runs `python3 -m smg.launch_router <argv>` on the host network, on loopback at the twins of its planned ports", () => {
    const execStart = unit("sglang-router-qwen3-32b.service")
      .split("\n")
      .find((l) => l.startsWith("ExecStart="))!;
    const tag = routerImageTag(SGLANG_IMAGE);
    const argv = nodeRouterArgs(prod.services[0], noRemote, 1200);
    expect(execStart).toBe(`ExecStart=/usr/bin/docker run --rm --name sglang-router-qwen3-32b --network host --log-driver journald ${tag} python3 -m smg.launch_router ${argv.join(" ")}`);
    const r = parseRouterArgs(argv);
    expect(r.errors).toEqual([]);
    const planned = prod.services[0].router!;
    expect(r.values).toMatchObject({
      host: "127.0.0.1",
      port: planned.port + PORTS.loopbackOffset,
      prometheus_host: "127.0.0.1",
      prometheus_port: planned.metricsPort + PORTS.loopbackOffset,
      request_timeout_secs: 1200,
      policy: "power_of_two",
      max_buffered_request_bytes: 0,
    });
    // Same-node workers through the node proxy's planned ports (it checks the key the router forwards).
    expect(r.values.worker_urls).toEqual(planned.workers.map((w) => `http://127.0.0.1:${w.port}`));
    expect(unit("sglang-router-qwen3-32b.service")).toContain("Restart=always\n");
    // Wants, not Requires, the image build: a start job failed on a dependency is never retried.
    expect(unit("sglang-router-qwen3-32b.service")).toContain("Requires=docker.service\nWants=sglang-router-image.service network-online.target\n");
  });

  test("the router image installs router-requirements.txt with --require-hashes on the pinned SGLang image, without touching its packages", () => {
    expect(routerImageTag(SGLANG_IMAGE)).toBe("qwen-serving/sglang-router:1.13.0-v0.4.9.post2-cu126");
    expect(routerImageTag(`lmsysorg/sglang@sha256:${"a".repeat(64)}`)).toBe(`qwen-serving/sglang-router:1.13.0-sha256-${"a".repeat(64)}`);
    const dockerfile = routerDockerfile(SGLANG_IMAGE).split("\n");
    expect(dockerfile.slice(1)).toEqual([
      `FROM ${SGLANG_IMAGE}`,
      "COPY router-requirements.txt /tmp/router-requirements.txt",
      "RUN python3 -m pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: -r /tmp/router-requirements.txt \\",
      ' && python3 -c "import smg.launch_router"',
      "",
    ]);
    expect(unit("sglang-router-image.service")).toContain(`ExecStart=/usr/bin/docker build --tag ${routerImageTag(SGLANG_IMAGE)} /etc/qwen-serving/sglang-router\n`);
  });

  test("the shipped requirements are the repository's pins, hashes included, for the SGLang image's CPython 3.10 (smg's abi3 wheel, setproctitle's cp310 one)", () => {
    const source = readFileSync(ROUTER_REQUIREMENTS_FILE, "utf8");
    const pins = (text: string) => text.split("\n").filter((l) => !l.startsWith("#") && l.trim());
    expect(pins(routerRequirements())).toEqual(pins(source));
    expect(routerRequirements()).toContain("smg==1.13.0 \\\n    --hash=sha256:cfae8171dac68a74b4822263b1864fa79952992ee472a25ba7266ccd200399b4");
    // sha256 of setproctitle-1.3.8-cp310-cp310-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl on PyPI.
    expect(routerRequirements()).toContain("--hash=sha256:bbe67d7ac416087996e39494325d94ef9f4ac1ed33823f90de83c73925665cd2");
    expect(files.files.find((f) => f.path.endsWith("router-requirements.txt"))!.content).toBe(routerRequirements());
  });

  test("a node without routers gets nothing", () => {
    expect(routerNodeFiles({ services: plan(singleConfig()).services, sglangImage: SGLANG_IMAGE, addressOf: noRemote, requestTimeoutSecs: 900 })).toEqual({ units: [], files: [] });
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
