/** What runs on a Docker host, one builder per container kind; see `spec.ts` for the ContainerSpec. */
export * from "./spec";
export * from "./sglang";
export * from "./router";
export * from "./exporters";
export * from "./monitoring";
