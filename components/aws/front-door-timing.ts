import { StackConfig } from "../config/schema";
import { DEFAULT_MAX_GENERATION_SECONDS, maxGenerationSeconds } from "../config/proxy";
import { Problem, keyPath } from "../problems";
import { KEEPALIVE_MARGIN_SECONDS } from "../render/proxy/nginx";
import { LIMITS } from "./limit-rules";

/**
 * The load balancer's timings, all from the longest allowed generation (`maxGenerationSeconds`).
 * An ALB closes a connection on which no byte flows for its idle timeout (1-4000 s), and a
 * non-streaming response sends nothing until the generation ends: an idle timeout shorter than the
 * longest generation cuts such a request with a 504. AWS also wants the target's keep-alive longer
 * than the idle timeout, or the target closes connections the ALB still uses (502s).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout
 */

/** How much longer the ALB waits than the longest generation: the proxy's and router's own timeout (with a body) reaches the client first. */
export const IDLE_MARGIN_SECONDS = 60;

type TimingConfig = Pick<StackConfig, "proxy" | "aws">;

/** The idle timeout an ALB gets unless `aws.frontDoor.idleTimeoutSeconds` says otherwise: the longest generation + 60 s, at least 900 s, at most AWS's 4000 s. */
export function derivedIdleTimeoutSeconds(longestGeneration: number): number {
  return Math.min(LIMITS.albIdleTimeoutSeconds.max, Math.max(DEFAULT_MAX_GENERATION_SECONDS, longestGeneration + IDLE_MARGIN_SECONDS));
}

/** The ALB's idle timeout: `aws.frontDoor.idleTimeoutSeconds` when given, else derived from the longest generation. */
export function albIdleTimeoutSeconds(config: TimingConfig): number {
  const explicit: number | undefined = config.aws?.frontDoor.idleTimeoutSeconds;
  return explicit ?? derivedIdleTimeoutSeconds(maxGenerationSeconds(config));
}

/** What the load balancer waits for: idle connections, and draining targets (the longest generation, within the target group's 3600 s). */
export interface FrontDoorTiming {
  readonly idleTimeoutSeconds: number;
  readonly deregistrationDelaySeconds: number;
}

export function frontDoorTiming(config: TimingConfig): FrontDoorTiming {
  return { idleTimeoutSeconds: albIdleTimeoutSeconds(config), deregistrationDelaySeconds: Math.min(LIMITS.deregistrationDelaySeconds.max, maxGenerationSeconds(config)) };
}

/** The idle timeout of what connects to each node's front proxy: the ALB's, unless `proxy.clientIdleSeconds` says otherwise. */
export function proxyClientIdleSeconds(config: TimingConfig): number {
  return config.proxy.clientIdleSeconds ?? albIdleTimeoutSeconds(config);
}

/** What stops the timings from holding: a generation longer than any ALB waits, an idle timeout shorter than it, a proxy that closes first. */
export function frontDoorTimingProblems(config: TimingConfig): Problem[] {
  const longest = maxGenerationSeconds(config);
  const cap = LIMITS.albIdleTimeoutSeconds.max;
  if (longest > cap)
    return [
      {
        path: keyPath(["proxy", "maxGenerationSeconds"]),
        value: longest,
        rule: `an ALB closes a connection idle for ${cap} s at most, so a non-streaming generation this long would be cut with a 504`,
        advice: `at most ${cap} on aws`,
      },
    ];
  const problems: Problem[] = [];
  const explicit: number | undefined = config.aws?.frontDoor.idleTimeoutSeconds;
  if (explicit !== undefined && explicit < longest)
    problems.push({
      path: keyPath(["aws", "frontDoor", "idleTimeoutSeconds"]),
      value: explicit,
      rule: `is shorter than the longest generation (${longest} s): the ALB would cut a non-streaming request, which sends no byte until it is done, with a 504`,
      advice: `at least ${longest}, e.g. ${derivedIdleTimeoutSeconds(longest)} (the longest generation + ${IDLE_MARGIN_SECONDS} s)`,
    });
  const idle = albIdleTimeoutSeconds(config);
  const client = config.proxy.clientIdleSeconds;
  // The proxy keeps idle connections KEEPALIVE_MARGIN_SECONDS beyond clientIdleSeconds (render/proxy/nginx.ts).
  if (client !== undefined && client + KEEPALIVE_MARGIN_SECONDS <= idle)
    problems.push({
      path: keyPath(["proxy", "clientIdleSeconds"]),
      value: client,
      rule: `the front proxy would keep idle connections ${client + KEEPALIVE_MARGIN_SECONDS} s, not longer than the ALB's idle timeout (${idle} s): it would close connections the ALB still uses (502s)`,
      advice: `at least ${idle - KEEPALIVE_MARGIN_SECONDS + 1}, or leave it unset (it follows the ALB)`,
    });
  return problems;
}
