import { describe, expect, test } from "vitest";
import { qwenServingPolicies, ROLE_TAG, WEIGHT_CACHE_ROLE } from "../../policy/policies";
import { isPinnedImage } from "../../policy/resources";
import { isLiteralValue, isSecretName } from "../../policy/secret-scan";
import { FIXTURES } from "./fixtures";
import { analyzed, evaluatePolicies } from "./harness";
import { IMAGES } from "../../components/contract";

const policies = qwenServingPolicies();
const names = policies.map((p) => p.name);

describe("the policy pack", () => {
  test("enforces the seven rules of issue 8, all mandatory", () => {
    expect(names).toEqual([
      "imdsv2-required",
      "ebs-encrypted",
      "no-ssh-no-open-ingress",
      "serving-ports-lb-and-monitoring-only",
      "weight-cache-retained-in-prod",
      "no-plaintext-secrets",
      "images-pinned",
    ]);
    for (const p of policies) expect(p.enforcementLevel, p.name).toBe("mandatory");
  });

  test("every policy has at least one bad and one good fixture", () => {
    for (const name of names) {
      const mine = FIXTURES.filter((f) => f.policy === name);
      expect(
        mine.some((f) => f.violations.length > 0),
        `${name}: bad fixture`,
      ).toBe(true);
      expect(
        mine.some((f) => f.violations.length === 0),
        `${name}: good fixture`,
      ).toBe(true);
    }
  });
});

describe.each(FIXTURES.map((f) => [`${f.policy}: ${f.title}`, f] as const))("%s", (_title, fixture) => {
  test(fixture.violations.length ? `fails with ${fixture.violations.length} violation(s), from that policy only` : "passes every policy", async () => {
    const violations = await evaluatePolicies(policies, analyzed(fixture.stack, fixture.resources));
    expect(
      violations.filter((v) => v.policy !== fixture.policy),
      "other policies",
    ).toEqual([]);
    expect(violations).toHaveLength(fixture.violations.length);
    for (const fragment of fixture.violations) expect(violations.map((v) => v.message).join("\n")).toContain(fragment);
  });
});

describe("weight-cache-retained-in-prod follows the program's environment", () => {
  const volume = { type: "aws:ebs/volume:Volume", name: "weights", props: { size: 500, encrypted: true, tags: { [ROLE_TAG]: WEIGHT_CACHE_ROLE } } };

  test("an `environment: prod` stack with another name must protect its weight cache", async () => {
    const v = await evaluatePolicies(qwenServingPolicies({ environment: "prod" }), analyzed("prod-eu", [volume]));
    expect(v.map((x) => x.policy)).toEqual(["weight-cache-retained-in-prod"]);
  });

  test("a stack named prod with `environment: staging` need not", async () => {
    expect(await evaluatePolicies(qwenServingPolicies({ environment: "staging" }), analyzed("prod", [volume]))).toEqual([]);
  });
});

describe("building blocks", () => {
  test.each([
    [IMAGES.sglang, true],
    [`sha256:${"a".repeat(64)}`, true],
    [`lmsysorg/sglang@sha256:${"a".repeat(64)}`, true],
    ["localhost:5000/sglang:v1", true],
    ["lmsysorg/sglang:latest", false],
    ["lmsysorg/sglang", false],
    ["localhost:5000/sglang", false],
  ])("isPinnedImage(%s) = %s", (ref, pinned) => expect(isPinnedImage(ref)).toBe(pinned));

  test.each([
    ["HF_TOKEN", true],
    ["api-key", true],
    ["apiKey", true],
    ["SGLANG_API_KEY", true],
    ["GF_SECURITY_ADMIN_PASSWORD", true],
    ["client_secret", true],
    ["HF_TOKEN_FILE", false],
    ["GF_SECURITY_ADMIN_PASSWORD__FILE", false],
    ["max-total-tokens", false],
    ["tokenizer-path", false],
    ["secretName", false],
    ["password-from-stdin", false],
  ])("isSecretName(%s) = %s", (name, secret) => expect(isSecretName(name)).toBe(secret));

  test.each([
    ["hunter2", true],
    ['"quoted-literal"', true],
    ["[secret]", true],
    ['"$SGLANG_API_KEY"', false],
    ["$(cat /run/secrets/x)", false],
    ["/run/secrets/hf-token", false],
    ["8192", false],
    ["false", false],
    ["", false],
  ])("isLiteralValue(%s) = %s", (value, literal) => expect(isLiteralValue(value)).toBe(literal));
});
