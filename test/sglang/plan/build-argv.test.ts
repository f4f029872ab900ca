import { describe, expect, test } from "vitest";
import { findModel } from "../../../components/catalog";
import { buildArgv, launchSpec } from "../../../components/sglang/plan/build-argv";
import { services } from "./fixtures";
import { NODE_PATHS } from "../../../components/contract";

const qwen3 = findModel("Qwen/Qwen3-32B")!;
const vl = findModel("Qwen/Qwen2.5-VL-32B-Instruct")!;

describe("build argv", () => {
  test("one argv per replica, differing only in the port; weights from the planned folder, served as the model id", () => {
    const [svc] = services({ replicas: 2, extraArgs: ["--log-level", "warning"] });
    const r = buildArgv(0, svc, qwen3, "mirror/qwen3", [30000, 30001]);
    expect(r.problems).toEqual([]);
    expect(r.argv).toEqual(
      [30000, 30001].map((port) => [
        "--model-path",
        `${NODE_PATHS.models}/mirror/qwen3/`,
        "--trust-remote-code",
        "--tensor-parallel-size",
        "2",
        "--host",
        "0.0.0.0",
        "--port",
        String(port),
        "--context-length",
        "32768",
        "--served-model-name",
        "Qwen/Qwen3-32B",
        "--enable-metrics",
        "--log-level",
        "warning",
      ]),
    );
  });

  test("the model's own chat template unless the service names one", () => {
    const [own, given] = services({ model: vl.id }, { name: "vl-b", port: 9002, model: vl.id, chatTemplate: "custom" });
    expect(launchSpec(own, vl, vl.id).chatTemplate).toBe("qwen2-vl");
    expect(launchSpec(given, vl, vl.id).chatTemplate).toBe("custom");
  });

  test("an argv SGLang 0.4.9.post2 would reject is one problem per replica, at extraArgs", () => {
    const [, svc] = services({}, { name: "bad", port: 9002, replicas: 2, extraArgs: ["--no-such-flag"] });
    expect(buildArgv(1, svc, qwen3, qwen3.id, [30000, 30001]).problems).toEqual([
      { path: "qwen-serving:services[1].extraArgs", rule: "replica 0: SGLang 0.4.9.post2 would reject the command line: unrecognized argument: --no-such-flag" },
      { path: "qwen-serving:services[1].extraArgs", rule: "replica 1: SGLang 0.4.9.post2 would reject the command line: unrecognized argument: --no-such-flag" },
    ]);
  });
});
