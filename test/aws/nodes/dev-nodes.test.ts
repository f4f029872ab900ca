import { describeNodeStack } from "./node-stack";

// dev: one g6.12xlarge, two single-replica services, no API keys, cache deleted with the stack.
describeNodeStack("dev", { retain: false, apiKeys: false });
