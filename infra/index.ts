// Entry point `pulumi up` runs (Pulumi.yaml `main`). Exports become stack outputs.
import { runProgram } from "./program";

const { outputs } = runProgram();
export const endpoints = outputs.endpoints;
export const capacity = outputs.capacity;
export const exampleRequests = outputs.exampleRequests;
export const grafana = outputs.grafana;
export const alertTopicArns = outputs.alertTopicArns;
