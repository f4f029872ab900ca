import { AwsSettingsSchema } from "../config/aws";
import { PlatformCheckInput } from "../platform";
import { Problem, keyPath } from "../problems";

/** Any IPv4 address. */
const ANYWHERE = "0.0.0.0/0";

/**
 * What prod must not do with its secrets on the wire: without a certificate the load balancer's
 * listeners are plain HTTP, so an API key (a bearer header) or Grafana's admin password would
 * cross the network in clear; and a service open to the whole internet must have an API key.
 * Pure; part of the aws adapter's pre-flight (components/aws/checks.ts).
 */
export function awsExposureProblems({ plan, config, secrets }: PlatformCheckInput): Problem[] {
  const environment = plan?.environment ?? config.environment;
  if (environment !== "prod") return [];
  const settings = config.aws ?? AwsSettingsSchema.parse({});
  const tls = settings.frontDoor.certificateArn !== undefined;
  const problems: Problem[] = [];
  const https = "set aws.frontDoor.domain and aws.frontDoor.certificateArn (an ACM certificate in the stack's region): every listener then speaks HTTPS";
  if (!tls && secrets.apiKeys.length)
    problems.push({
      path: keyPath(["aws", "frontDoor", "certificateArn"]),
      rule: `is not set, so the API keys of ${secrets.apiKeys.join(", ")} would cross the network in clear (plain HTTP listeners)`,
      advice: https,
    });
  if (!tls && config.monitoring.enabled && settings.monitoring.grafanaAllowedCidrs.length)
    problems.push({
      path: keyPath(["aws", "monitoring", "grafanaAllowedCidrs"]),
      value: settings.monitoring.grafanaAllowedCidrs,
      rule: "opens Grafana's listener without a certificate: its login and admin password would cross the network in clear",
      advice: `${https}, or leave grafanaAllowedCidrs empty and use SSM port forwarding`,
    });
  if (settings.frontDoor.allowedCidrs.includes(ANYWHERE)) {
    const open = config.services.map((s) => s.name).filter((n) => !secrets.apiKeys.includes(n));
    if (open.length)
      problems.push({
        path: keyPath(["aws", "frontDoor", "allowedCidrs"]),
        value: settings.frontDoor.allowedCidrs,
        rule: `admits the whole internet while ${open.join(", ")} ${open.length > 1 ? "have" : "has"} no API key`,
        advice: `set one per service ('pulumi config set --secret --path apiKeys.${open[0]} <key>'), or list only your clients' CIDRs`,
      });
  }
  return problems;
}

/** ACM certificates are regional: the load balancer in `region` can only use one issued there. */
export function certificateRegionProblems(certificateArn: string, region: string): Problem[] {
  const issued = certificateArn.split(":")[3];
  if (issued === region) return [];
  return [
    {
      path: keyPath(["aws", "frontDoor", "certificateArn"]),
      value: certificateArn,
      rule: `was issued in ${issued}, but the stack's load balancer is in ${region}`,
      advice: `request or import the certificate in ACM in ${region}`,
    },
  ];
}
