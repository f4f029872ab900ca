import { describe, expect, test } from "vitest";
import { apiKeyEnvFile, fetchApiKeyCommand } from "../../components/render/aws/api-key";

// What the client scripts and the key fetch do when run is in client.tools.test.ts.
describe("API key on the node", () => {
  test("the unit's fetch step names the script, the parameter and the env file under /run", () => {
    expect(fetchApiKeyCommand("us-east-1", "prod", "qwen3-32b")).toEqual(["/usr/local/lib/qwen-serving/fetch-api-key.sh", "us-east-1", "/qwen-serving/prod/api-keys/qwen3-32b", "/run/qwen-serving/qwen3-32b.api-key.env"]);
    expect(apiKeyEnvFile("qwen3-32b").startsWith("/run/")).toBe(true);
  });
});
