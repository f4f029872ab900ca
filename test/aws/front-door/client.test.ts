import { describe, expect, test } from "vitest";
import { apiKeyNodeFile, fetchApiKeyCommand } from "../../../components/render/aws/api-key";

// What the client scripts and the key fetch do when run is in client.tools.test.ts.
describe("API key on the node", () => {
  test("the proxy unit's fetch step names the script, the parameter, the raw key file under /run and the uid that may read it", () => {
    expect(fetchApiKeyCommand("us-east-1", { project: "qwen-serving", stack: "prod" }, "qwen3-32b", 101)).toEqual([
      "/usr/local/lib/qwen-serving/fetch-api-key.sh",
      "us-east-1",
      "/qwen-serving/prod/api-keys/qwen3-32b",
      "/run/qwen-serving/api-keys/qwen3-32b",
      "101",
    ]);
    expect(apiKeyNodeFile("qwen3-32b").startsWith("/run/")).toBe(true);
  });
});
