// Node bootstraps rendered for the repository's real stacks (dev, prod) and both AMI families,
// with the router units and front proxy prod's node carries, API keys and a Hugging Face token parameter.
import { proxyClientIdleSeconds } from "../../../components/aws/front-door-timing";
import { AwsNodeSettingsSchema } from "../../../components/config/aws";
import { StackConfig } from "../../../components/config/schema";
import { NodeBootstrap, renderNodeBootstrap } from "../../../components/render/aws/gpu-node";
import { AwsProxySettings } from "../../../components/render/aws/proxy-units";
import { routerNodeFiles } from "../../../components/render/aws/router-units";
import { maxGenerationSeconds } from "../../../components/config/proxy";
import { DeploymentPlan, planDeployment } from "../../../components/sglang/planner";
import { stackConfig } from "../../support/stacks";

export function stackPlan(stack: string): { config: StackConfig; plan: DeploymentPlan } {
  const config = stackConfig(stack);
  return { config, plan: planDeployment(stack, config) };
}

/** The proxy settings the AWS adapter derives for a stack (aws-platform.ts), with the default VPC's private subnet. */
export function proxySettings(config: StackConfig, apiKeys: boolean): AwsProxySettings {
  return {
    image: config.proxy.image,
    clientIdleSeconds: proxyClientIdleSeconds(config),
    maxBodyBytes: config.proxy.maxBodyMiB * 1024 * 1024,
    maxGenerationSeconds: maxGenerationSeconds(config),
    metricsSources: ["10.0.16.0/20", ...config.proxy.metricsCidrs],
    routerSource: "10.0.16.0/20",
    apiKeyServices: apiKeys ? config.services.map((s) => s.name) : [],
  };
}

export interface Case {
  readonly label: string;
  readonly bootstrap: NodeBootstrap;
}

export function bootstrapCases(): Case[] {
  const cases: Case[] = [];
  for (const stack of ["dev", "prod"]) {
    const { config, plan } = stackPlan(stack);
    // Ubuntu 22.04 and 24.04 render the same bootstrap (only the AMI differs): one case covers both.
    for (const ami of ["dlami", "ubuntu-24.04"] as const) {
      for (const node of plan.nodes) {
        const routers = routerNodeFiles({
          services: plan.services.filter((s) => s.router?.node === node.name),
          sglangImage: config.image,
          addressOf: () => "10.0.1.10",
          requestTimeoutSecs: maxGenerationSeconds(config),
        });
        const bootstrap = renderNodeBootstrap({
          node,
          services: plan.services,
          image: config.image,
          settings: { ...AwsNodeSettingsSchema.parse({}), ami },
          volumeId: "vol-0123456789abcdef0",
          region: "us-east-1",
          project: plan.project,
          stack,
          tokenParameters: { hfToken: `/${plan.project}/${stack}/hf-token`, modelscopeToken: `/${plan.project}/${stack}/modelscope-token` },
          proxy: proxySettings(config, stack === "prod"),
          extraUnits: routers.units,
          extraFiles: routers.files,
        });
        cases.push({ label: `${stack}/${ami}/${node.name}`, bootstrap });
      }
    }
  }
  return cases;
}
