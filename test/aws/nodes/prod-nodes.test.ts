import { describeNodeStack } from "./node-stack";

// prod: one p5.48xlarge, two services x two replicas behind routers, API keys, cache protected.
describeNodeStack("prod", { retain: true, apiKeys: true });
