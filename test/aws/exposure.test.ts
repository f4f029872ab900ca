// prod never sends keys or passwords in clear, and never opens a model to the internet without a key.
import { describe, expect, test } from "vitest";
import { awsExposureProblems, certificateRegionProblems } from "../../components/aws/exposure";
import { StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { formatProblem } from "../../components/problems";
import { preflight } from "../../components/qwen-serving";
import { prodConfig } from "./front-door/fixtures";
import { stackInput } from "../support/stacks";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012";
const both = ["qwen3-32b", "qwen25-vl-32b"];
const check = (input: StackConfigInput, apiKeys: string[] = both) =>
  awsExposureProblems({ config: StackConfigSchema.parse(input), secrets: { hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys } }).map(formatProblem);
const prod = (aws: StackConfigInput["aws"]) => ({ ...prodConfig(aws), environment: "prod" });

describe("prod on the wire", () => {
  test("API keys without a certificate are refused at aws.frontDoor.certificateArn", () => {
    expect(check(prod({}))).toEqual([
      "qwen-serving:aws.frontDoor.certificateArn: is not set, so the API keys of qwen3-32b, qwen25-vl-32b would cross the network in clear (plain HTTP listeners) (set aws.frontDoor.domain and aws.frontDoor.certificateArn (an ACM certificate in the stack's region): every listener then speaks HTTPS)",
    ]);
    expect(check(prod({ frontDoor: { domain: "llm.example.com", certificateArn: CERT } }))).toEqual([]);
  });

  test("Grafana's listener without a certificate is refused", () => {
    expect(check(prod({ monitoring: { grafanaAllowedCidrs: ["203.0.113.0/24"] } }), [])[0]).toMatch(
      /^qwen-serving:aws.monitoring.grafanaAllowedCidrs: got \["203.0.113.0\/24"\]; opens Grafana's listener without a certificate/,
    );
  });

  test("0.0.0.0/0 is refused while a service has no API key, even with a certificate", () => {
    const open = prod({ frontDoor: { allowedCidrs: ["0.0.0.0/0"], domain: "llm.example.com", certificateArn: CERT } });
    expect(check(open, ["qwen3-32b"])).toEqual([
      `qwen-serving:aws.frontDoor.allowedCidrs: got ["0.0.0.0/0"]; admits the whole internet while qwen25-vl-32b has no API key (set one per service ('pulumi config set --secret --path apiKeys.qwen25-vl-32b <key>'), or list only your clients' CIDRs)`,
    ]);
    expect(check(open)).toEqual([]);
  });

  test("only prod: dev may try things over HTTP", () => {
    expect(check({ ...prodConfig({ frontDoor: { allowedCidrs: ["0.0.0.0/0"] } }), environment: "dev" }, [])).toEqual([]);
  });

  test("the checked-in prod stack passes (it has a certificate); the pre-flight reports these with the others", () => {
    const config = StackConfigSchema.parse(stackInput("prod"));
    expect(preflight({ config, secrets: { grafanaAdminPassword: "x", apiKeys: { "qwen3-32b": "a", "qwen25-vl-32b": "b" } }, stack: "prod" }).problems).toEqual([]);
    const noTls = StackConfigSchema.parse({ ...stackInput("prod"), aws: {} });
    expect(preflight({ config: noTls, secrets: { grafanaAdminPassword: "x", apiKeys: { "qwen3-32b": "a" } }, stack: "prod" }).problems.map((p) => p.path)).toEqual([
      "qwen-serving:aws.frontDoor.certificateArn",
    ]);
  });

  test("a certificate from another region is refused (ACM certificates are regional)", () => {
    expect(certificateRegionProblems(CERT, "us-east-1")).toEqual([]);
    expect(certificateRegionProblems(CERT, "eu-west-2").map((p) => [p.path, p.rule, p.advice])).toEqual([
      ["qwen-serving:aws.frontDoor.certificateArn", "was issued in us-east-1, but the stack's load balancer is in eu-west-2", "request or import the certificate in ACM in eu-west-2"],
    ]);
  });
});
