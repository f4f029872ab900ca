// The seed's two services as config entries (DIGEST.md), shared by the test fixtures.
export const qwen3 = {
  name: "qwen3-32b",
  model: "Qwen/Qwen3-32B",
  weights: { source: "huggingface" as const, revision: "9216db5781bf21249d130ec9da846c4624c16137" },
  tp: 2,
  port: 9001,
  contextLength: 131072,
  ropeScaling: { type: "yarn" as const, factor: 4, originalMaxPositionEmbeddings: 32768 },
  chunkedPrefillSize: 8192,
};

export const vl = {
  name: "qwen25-vl-32b",
  model: "Qwen/Qwen2.5-VL-32B-Instruct",
  weights: { source: "huggingface" as const, revision: "7cfb30d71a1f4f49a57592323337a4a4727301da" },
  tp: 2,
  port: 9002,
  contextLength: 128000,
  chatTemplate: "qwen2-vl",
  maxRunningRequests: 2048,
};
