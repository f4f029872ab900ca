// The load balancer's timings against the longest generation: what a stack gets unset, what the
// pre-flight refuses, and the proxy's keep-alive outlasting the ALB.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { albIdleTimeoutSeconds, frontDoorTiming, proxyClientIdleSeconds } from "../../../components/aws/front-door-timing";
import { StackConfigInput } from "../../../components/config/schema";
import { formatProblem } from "../../../components/problems";
import { preflight } from "../../../components/qwen-serving";
import { proxyNodeFiles } from "../../../components/render/aws/proxy-units";
import { proxySettings } from "../nodes/bootstraps";
import { parse, plan, prodConfig } from "./fixtures";

/** The prod layout with no aws block (every aws setting at its default) and these proxy settings. */
const withProxy = (proxy: StackConfigInput["proxy"], aws?: StackConfigInput["aws"]): StackConfigInput => ({ ...prodConfig(), aws, proxy });
const refusals = (c: StackConfigInput) =>
  preflight({ config: parse(c), secrets: { grafanaAdminPassword: "x" }, stack: "prod" })
    .problems.filter((p) => /idleTimeoutSeconds|maxGenerationSeconds|clientIdleSeconds/.test(p.path))
    .map(formatProblem);

describe("ALB idle timeout", () => {
  test.each([
    ["the default generation (900 s)", {}, 960],
    ["a short generation: never below 900 s", { maxGenerationSeconds: 120 }, 900],
    ["a 30-minute generation", { maxGenerationSeconds: 1800 }, 1860],
    ["a generation within 60 s of AWS's 4000 s: the cap", { maxGenerationSeconds: 3990 }, 4000],
  ])("unset, follows the longest generation + 60 s: %s", (_, proxy, idle) => {
    const config = parse(withProxy(proxy));
    expect(frontDoorTiming(config).idleTimeoutSeconds).toBe(idle);
    expect(refusals(withProxy(proxy))).toEqual([]);
  });

  test("an explicit idle timeout at least the longest generation is kept", () => {
    expect(albIdleTimeoutSeconds(parse(withProxy({ maxGenerationSeconds: 1800 }, { frontDoor: { idleTimeoutSeconds: 1800 } })))).toBe(1800);
    expect(albIdleTimeoutSeconds(parse(withProxy({}, { frontDoor: { idleTimeoutSeconds: 4000 } })))).toBe(4000);
  });

  test("draining waits for the longest generation, within the target group's 3600 s", () => {
    expect(frontDoorTiming(parse(withProxy({ maxGenerationSeconds: 1800 }))).deregistrationDelaySeconds).toBe(1800);
    expect(frontDoorTiming(parse(withProxy({ maxGenerationSeconds: 3990 }))).deregistrationDelaySeconds).toBe(3600);
  });
});

describe("pre-flight refuses timings that cut generations", () => {
  test("an explicit idle timeout shorter than the longest generation", () => {
    expect(refusals(withProxy({}, { frontDoor: { idleTimeoutSeconds: 1200, maxGenerationSeconds: 1800 } }))).toEqual([
      "qwen-serving:aws.frontDoor.idleTimeoutSeconds: got 1200; is shorter than the longest generation (1800 s): the ALB would cut a non-streaming request, which sends no byte until it is done, with a 504 (at least 1800, e.g. 1860 (the longest generation + 60 s))",
    ]);
    expect(refusals(withProxy({ maxGenerationSeconds: 2000 }, { frontDoor: { idleTimeoutSeconds: 1999 } }))).toHaveLength(1);
  });

  test("a longest generation no ALB can wait for (AWS caps the idle timeout at 4000 s)", () => {
    expect(refusals(withProxy({ maxGenerationSeconds: 4001 }))).toEqual([
      "qwen-serving:proxy.maxGenerationSeconds: got 4001; an ALB closes a connection idle for 4000 s at most, so a non-streaming generation this long would be cut with a 504 (at most 4000 on aws)",
    ]);
    expect(refusals(withProxy({ maxGenerationSeconds: 4000 }))).toEqual([]);
  });

  test("a proxy.clientIdleSeconds whose keep-alive would not outlast the ALB", () => {
    expect(refusals(withProxy({ clientIdleSeconds: 100 }))).toEqual([
      "qwen-serving:proxy.clientIdleSeconds: got 100; the front proxy would keep idle connections 160 s, not longer than the ALB's idle timeout (960 s): it would close connections the ALB still uses (502s) (at least 901, or leave it unset (it follows the ALB))",
    ]);
    expect(refusals(withProxy({ clientIdleSeconds: 900 }))).toHaveLength(1);
    expect(refusals(withProxy({ clientIdleSeconds: 901 }))).toEqual([]);
  });
});

describe("the proxy's keep-alive outlasts the ALB's idle timeout", () => {
  const services = plan(prodConfig()).services;
  test("in the nginx.conf a node gets, for every accepted timing", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 60, max: 4000 }),
        fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
        (longest, idleSlack, clientIdleSeconds) => {
          const idle = idleSlack === undefined ? undefined : Math.min(4000, longest + idleSlack);
          const input = withProxy({ maxGenerationSeconds: longest, clientIdleSeconds }, idle === undefined ? undefined : { frontDoor: { idleTimeoutSeconds: idle } });
          if (refusals(input).length) return;
          accepted++;
          const config = parse(input);
          const alb = albIdleTimeoutSeconds(config);
          expect(alb).toBeGreaterThanOrEqual(longest);
          expect(alb).toBeLessThanOrEqual(4000);
          const files = proxyNodeFiles({ node: "gpu-0", services, settings: proxySettings(config, false), region: "us-east-1", stack: "prod" });
          const conf = files.files.find((f) => f.path.endsWith("nginx.conf"))!.content;
          expect(Number(/^ {2}keepalive_timeout (\d+)s;$/m.exec(conf)![1])).toBeGreaterThan(alb);
          expect(proxyClientIdleSeconds(config)).toBe(clientIdleSeconds ?? alb);
        },
      ),
      { numRuns: 60 },
    );
    // The generator must reach accepted timings, not only refusals.
    expect(accepted).toBeGreaterThanOrEqual(15);
  });
});
