// Public API of the `qwen-serving` package: the component users instantiate and the pure modules
// (catalogs, config schema, planner, launch args) other tools can reuse.
export { QwenServing, QwenServingArgs } from "./qwen-serving";
export { PlatformArgs, PlatformOutputs, ServingSecrets } from "./platform";
export { Artifact } from "./render/artifact";
export { Problem, Problems, QwenServingError, Stage, formatProblem, keyPath } from "./problems";
export * from "./contract";
export * from "./catalog";
export * from "./config/schema";
export { planMemory, MemoryInput, MemoryPlan, defaultMemFractionStatic, kvCellBytes, weightsGiBPerGpu } from "./sglang/memory";
export { planDeployment, DeploymentPlan, ServicePlan, ReplicaPlan, RouterPlan, NodePlan } from "./sglang/planner";
export { launchArgs, LaunchSpec, MODELS_MOUNT } from "./sglang/launch-args";
export { parseServerArgs } from "./sglang/argparse";
