import { execFileSync } from "child_process";
import { mkdirSync, writeFileSync } from "fs";
import { renderMonitoring } from "../components/render/monitoring";
import { dockerInput } from "../test/render/monitoring/helpers";
const pick = <T,>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
const int = (a: number, b: number) => a + Math.floor(Math.random() * (b - a + 1));
const m = () => `${int(1, 30)}m`;
let fails = 0;
for (let run = 0; run < Number(process.argv[2] ?? 3); run++) {
  const alerts = {
    kvUsageThreshold: int(50, 98) / 100, kvUsageFor: m(), queueGrowthWindow: m(), queueGrowingFor: m(), queueMinDepth: int(1, 50),
    ttftP95Seconds: pick([0.1, 0.5, 1, 2.5, 5, 10, 30, 120, 399]), ttftWindow: `${int(2, 15)}m`, ttftFor: m(), sglangDownFor: m(), exporterDownFor: m(),
    gpuTempCelsius: int(60, 100), gpuTempFor: pick(["30s", "90s", "5m", "15m"]), queueDeepDepth: int(1, 200), queueDeepFor: m(),
    ttftMinRequestsPerSecond: pick([0.01, 0.1, 0.5, 2]), stallWindow: `${int(2, 40)}m`, xidWindow: `${int(2, 60)}m`, routerErrorRatio: int(1, 90) / 100,
    routerErrorWindow: `${int(2, 15)}m`, routerErrorFor: m(), routerMinRequestsPerSecond: pick([0.01, 0.1, 1]), routerNoWorkerFor: m(),
    routerSkewRatio: int(11, 19) / 10, routerSkewMinInFlight: int(1, 50), routerSkewWindow: m(), routerSkewFor: m(),
    nodeDiskFreeRatio: int(1, 50) / 100, nodeMemoryFreeRatio: int(1, 50) / 100, nodeFor: m(),
  };
  const services = dockerInput().services.map((svc, i) => (i === 0 ? { ...svc, ttftP95Seconds: alerts.ttftP95Seconds === 5 ? 0.4 : 5 } : svc));
  const dir = `/tmp/h17/rand/${run}`;
  for (const a of renderMonitoring(dockerInput({ alerts, services }))) { const p = `${dir}/${a.path}`; mkdirSync(p.replace(/\/[^/]*$/, ""), { recursive: true }); writeFileSync(p, a.content); }
  try { execFileSync("promtool", ["test", "rules", `${dir}/monitoring/rules/sglang.rules.test.yml`], { encoding: "utf8" }); }
  catch (e) { fails++; console.log(run, "FAIL", JSON.stringify(alerts)); console.log(String((e as { stdout: string }).stdout).split("\n").filter((l) => /name:|alertname|exp:|got:/.test(l)).slice(0, 12).join("\n")); }
}
console.log("fails", fails);
