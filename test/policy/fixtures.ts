import { gzipSync } from "zlib";
import { ROLE_TAG, WEIGHT_CACHE_COMPONENT, WEIGHT_CACHE_ROLE } from "../../policy/policies";
import { TYPES } from "../../policy/resources";
import { FixtureResource, secret } from "./harness";
import { IMAGES, PORTS } from "../../components/contract";

/**
 * Bad and good fixtures for every policy. A bad fixture lists a fragment of each violation it
 * must produce (the policy must report exactly that many); a good one lists none. Every fixture is
 * evaluated against the WHOLE pack, so a good fixture also proves no other policy objects to it.
 */
export interface PolicyFixture {
  readonly policy: string;
  readonly title: string;
  /** Stack name in the URNs: decides prod-ness for the weight-cache policy. */
  readonly stack: string;
  readonly resources: readonly FixtureResource[];
  readonly violations: readonly string[];
}

const SHA = "0".repeat(64);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const LB = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";

// A well-formed instance: the base that single-issue bad fixtures change one thing in.
const goodInstance = (extra: Record<string, unknown> = {}): FixtureResource => ({
  type: TYPES.instance,
  name: "gpu-0",
  props: { instanceType: "g6.12xlarge", metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 }, rootBlockDevice: { encrypted: true, volumeSize: 200 }, ...extra },
});

// Network pieces: an internet-facing ALB on 443 in front of a node group, plus monitoring.
const sg = (name: string, tags: Record<string, string> = {}): FixtureResource => ({ type: TYPES.securityGroup, name, props: { description: name, tags: { Name: name, ...tags } } });
const net = (internal = false): FixtureResource[] => [
  sg("net-lb"),
  sg("net-node"),
  sg("net-monitoring"),
  { type: LB, name: "alb", props: { internal, loadBalancerType: "application" }, deps: { securityGroups: ["net-lb"] } },
  { type: LISTENER, name: "https", props: { port: 443, protocol: "HTTPS" }, deps: { loadBalancerArn: ["alb"] } },
];
const ingress = (name: string, group: string, port: number, peer: { cidr?: string; cidr6?: string; group?: string; prefixList?: string }, protocol = "tcp"): FixtureResource => ({
  type: TYPES.ingressRule,
  name,
  props: {
    ipProtocol: protocol,
    fromPort: port,
    toPort: port,
    ...(peer.cidr ? { cidrIpv4: peer.cidr } : {}),
    ...(peer.cidr6 ? { cidrIpv6: peer.cidr6 } : {}),
    ...(peer.prefixList ? { prefixListId: peer.prefixList } : {}),
  },
  deps: { securityGroupId: [group], ...(peer.group ? { referencedSecurityGroupId: [peer.group] } : {}) },
});

const container = (extra: Record<string, unknown>): FixtureResource => ({
  type: TYPES.dockerContainer,
  name: "sglang",
  props: { name: "sglang", image: `sha256:${SHA}`, ...extra },
});
const deployment = (containers: Record<string, unknown>[]): FixtureResource => ({
  type: "kubernetes:apps/v1:Deployment",
  name: "router",
  props: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "router" }, spec: { template: { spec: { containers } } } },
});

export const FIXTURES: readonly PolicyFixture[] = [
  // --- imdsv2-required
  { policy: "imdsv2-required", title: "instance allowing IMDSv1", stack: "dev", resources: [goodInstance({ metadataOptions: { httpTokens: "optional" } })], violations: ['httpTokens is "optional"'] },
  {
    policy: "imdsv2-required",
    title: "instance without metadataOptions",
    stack: "dev",
    resources: [{ ...goodInstance(), props: { instanceType: "g6.12xlarge", rootBlockDevice: { encrypted: true } } }],
    violations: ["httpTokens is null"],
  },
  {
    policy: "imdsv2-required",
    title: "launch template allowing IMDSv1",
    stack: "dev",
    resources: [{ type: TYPES.launchTemplate, name: "lt", props: { metadataOptions: { httpTokens: "optional" } } }],
    violations: ['httpTokens is "optional"'],
  },
  {
    policy: "imdsv2-required",
    title: "instance and launch template requiring tokens",
    stack: "dev",
    resources: [goodInstance(), { type: TYPES.launchTemplate, name: "lt", props: { metadataOptions: { httpTokens: "required" } } }],
    violations: [],
  },

  // --- ebs-encrypted
  {
    policy: "ebs-encrypted",
    title: "unencrypted volume",
    stack: "dev",
    resources: [{ type: TYPES.ebsVolume, name: "weights", props: { size: 500, encrypted: false } }],
    violations: ["encrypted is not true"],
  },
  {
    policy: "ebs-encrypted",
    title: "instance root volume left to the account default",
    stack: "dev",
    resources: [goodInstance({ rootBlockDevice: { volumeSize: 200 } })],
    violations: ["rootBlockDevice.encrypted"],
  },
  {
    policy: "ebs-encrypted",
    title: "instance with an unencrypted extra block device",
    stack: "dev",
    resources: [goodInstance({ ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: false }] })],
    violations: ["ebsBlockDevices /dev/sdf"],
  },
  {
    policy: "ebs-encrypted",
    title: "launch template mapping not encrypted",
    stack: "dev",
    resources: [{ type: TYPES.launchTemplate, name: "lt", props: { metadataOptions: { httpTokens: "required" }, blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { encrypted: "false" } }] } }],
    violations: ["blockDeviceMappings /dev/sda1"],
  },
  {
    policy: "ebs-encrypted",
    title: "encrypted volume, root, extra device and launch template mapping",
    stack: "dev",
    resources: [
      { type: TYPES.ebsVolume, name: "weights", props: { size: 500, encrypted: true } },
      goodInstance({ ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }] }),
      { type: TYPES.launchTemplate, name: "lt", props: { metadataOptions: { httpTokens: "required" }, blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { encrypted: "true" } }] } },
    ],
    violations: [],
  },

  // --- no-ssh-no-open-ingress
  {
    policy: "no-ssh-no-open-ingress",
    title: "SSH from the monitoring group",
    stack: "dev",
    resources: [...net(), ingress("node-ssh", "net-node", 22, { group: "net-monitoring" })],
    violations: ["includes SSH (22)"],
  },
  {
    policy: "no-ssh-no-open-ingress",
    title: "every protocol from anywhere on the load balancer (aws.ec2.SecurityGroupRule)",
    stack: "dev",
    resources: [
      ...net(),
      { type: TYPES.securityGroupRule, name: "lb-all", props: { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }, deps: { securityGroupId: ["net-lb"] } },
    ],
    violations: ["every port, which includes SSH (22)", "every port to 0.0.0.0/0"],
  },
  {
    policy: "no-ssh-no-open-ingress",
    title: "Grafana opened to the internet by an inline rule of the monitoring group",
    stack: "dev",
    resources: [
      {
        type: TYPES.securityGroup,
        name: "grafana",
        props: { tags: { [ROLE_TAG]: "monitoring" }, ingress: [{ protocol: "tcp", fromPort: PORTS.grafana, toPort: PORTS.grafana, cidrBlocks: ["0.0.0.0/0"] }] },
      },
    ],
    violations: ["tcp 3000 to 0.0.0.0/0"],
  },
  {
    policy: "no-ssh-no-open-ingress",
    title: "load balancer group open on a port with no listener",
    stack: "dev",
    resources: [...net(), ingress("lb-8443", "net-lb", 8443, { cidr: "0.0.0.0/0" })],
    violations: ["tcp 8443 to 0.0.0.0/0"],
  },
  {
    policy: "no-ssh-no-open-ingress",
    title: "internal load balancer opened to the internet",
    stack: "dev",
    resources: [...net(true), ingress("lb-443", "net-lb", 443, { cidr6: "::/0" })],
    violations: ["tcp 443 to ::/0"],
  },
  {
    policy: "no-ssh-no-open-ingress",
    title: "internet-facing listener port open to the world, nodes closed",
    stack: "dev",
    resources: [
      ...net(),
      ingress("lb-443-v4", "net-lb", 443, { cidr: "0.0.0.0/0" }),
      ingress("lb-443-v6", "net-lb", 443, { cidr6: "::/0" }),
      ingress("node-9001", "net-node", 9001, { group: "net-lb" }),
    ],
    violations: [],
  },

  // --- serving-ports-lb-and-monitoring-only
  {
    policy: "serving-ports-lb-and-monitoring-only",
    title: "SGLang port open to the VPC range",
    stack: "dev",
    resources: [...net(), ingress("node-9001-vpc", "net-node", 9001, { cidr: "10.0.0.0/16" })],
    violations: ["tcp 9001 of net-node to 10.0.0.0/16"],
  },
  {
    policy: "serving-ports-lb-and-monitoring-only",
    title: "exporter open to some other group",
    stack: "dev",
    resources: [...net(), sg("bastion"), ingress("node-9100-bastion", "net-node", 9100, { group: "bastion" })],
    violations: ["to security group bastion"],
  },
  {
    policy: "serving-ports-lb-and-monitoring-only",
    title: "router port open to a prefix list",
    stack: "dev",
    resources: [...net(), ingress("node-29000-pl", "net-node", 29000, { prefixList: "pl-0123456789abcdef0" })],
    violations: ["to pl-0123456789abcdef0"],
  },
  {
    policy: "serving-ports-lb-and-monitoring-only",
    title: "SGLang from the load balancer, exporters from monitoring (by name and by tag), worker port from the nodes",
    stack: "dev",
    resources: [
      ...net(),
      sg("prom", { [ROLE_TAG]: "monitoring" }),
      ingress("node-9001-lb", "net-node", 9001, { group: "net-lb" }),
      ingress("node-9001-mon", "net-node", 9001, { group: "net-monitoring" }),
      ingress("node-9400-prom", "net-node", 9400, { group: "prom" }),
      ingress("node-30001-node", "net-node", 30001, { group: "net-node" }),
      ingress("lb-443", "net-lb", 443, { cidr: "203.0.113.0/24" }),
    ],
    violations: [],
  },

  // --- weight-cache-retained-in-prod
  weightCacheVolume("prod", false, "component", ["not protected"]),
  weightCacheVolume("prod", false, "tag", ["not protected"]),
  {
    policy: "weight-cache-retained-in-prod",
    title: "prod StatefulSet deleting its weight claims",
    stack: "prod",
    resources: [
      {
        type: TYPES.statefulSet,
        name: "sglang",
        props: {
          spec: {
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
            volumeClaimTemplates: [{ metadata: { name: "weights" } }],
            template: { spec: { containers: [{ name: "s", image: IMAGES.sglang }] } },
          },
        },
      },
    ],
    violations: ['whenDeleted must be "Retain"'],
  },
  {
    policy: "weight-cache-retained-in-prod",
    title: "prod storage class deleting released volumes",
    stack: "prod",
    resources: [{ type: TYPES.storageClass, name: "weights", props: { provisioner: "ebs.csi.aws.com", reclaimPolicy: "Delete" } }],
    violations: ['reclaimPolicy must be "Retain"'],
  },
  weightCacheVolume("prod", true, "component", []),
  weightCacheVolume("dev", false, "component", []),
  {
    policy: "weight-cache-retained-in-prod",
    title: "prod StatefulSet and storage class retaining weights; an untagged volume is not a weight cache",
    stack: "prod",
    resources: [
      {
        type: TYPES.statefulSet,
        name: "sglang",
        props: {
          spec: {
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            volumeClaimTemplates: [{ metadata: { name: "weights" } }],
            template: { spec: { containers: [{ name: "s", image: IMAGES.sglang }] } },
          },
        },
      },
      { type: TYPES.storageClass, name: "weights", props: { provisioner: "ebs.csi.aws.com", reclaimPolicy: "Retain" } },
      { type: TYPES.ebsVolume, name: "scratch", props: { size: 100, encrypted: true } },
    ],
    violations: [],
  },

  // --- no-plaintext-secrets
  {
    policy: "no-plaintext-secrets",
    title: "Hugging Face token written into user-data",
    stack: "dev",
    resources: [goodInstance({ userData: "#!/bin/bash\nexport HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345\n" })],
    violations: ["a Hugging Face token", "assignment 'HF_TOKEN'"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "AWS access key in user-data (base64)",
    stack: "dev",
    resources: [goodInstance({ userDataBase64: b64("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\n") })],
    violations: ["an AWS access key id"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "Hugging Face token in gzipped user-data (as the GPU nodes ship it)",
    stack: "dev",
    resources: [goodInstance({ userDataBase64: gzipSync(Buffer.from("#cloud-config\nwrite_files:\n  - path: /etc/hf\n    content: hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345\n")).toString("base64") })],
    violations: ["a Hugging Face token"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "password in a launch template's cloud-config",
    stack: "dev",
    resources: [
      { type: TYPES.launchTemplate, name: "lt", props: { metadataOptions: { httpTokens: "required" }, userData: b64("#cloud-config\nusers:\n  - name: ops\n    password: Hunter2Hunter2\n") } },
    ],
    violations: ["key 'password'"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "a Pulumi secret put into a container's environment",
    stack: "dev",
    resources: [container({ envs: [secret("HF_TOKEN=not-a-real-token-1234")] })],
    violations: ["variable 'HF_TOKEN'"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "API key on a container's command line",
    stack: "dev",
    resources: [container({ command: ["python3", "-m", "sglang.launch_server", "--port", "9001", "--api-key", "k3y-abcdef"] })],
    violations: ["flag 'api-key'"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "Kubernetes container with a password env value and an --api-key= argument",
    stack: "dev",
    resources: [deployment([{ name: "router", image: IMAGES.sglang, env: [{ name: "GRAFANA_PASSWORD", value: "admin123" }], args: ["--api-key=abcd1234"] }])],
    violations: ["variable 'GRAFANA_PASSWORD'", "flag 'api-key'"],
  },
  {
    policy: "no-plaintext-secrets",
    title: "secrets by reference only: files, SSM at boot, env expansion, secretKeyRef; token-count flags",
    stack: "dev",
    resources: [
      goodInstance({
        userData: [
          "#!/bin/bash",
          'export HF_TOKEN_FILE="${HF_TOKEN_FILE:-/run/secrets/hf-token}"',
          'key="$(aws ssm get-parameter --name /qwen-serving/dev/api-keys/qwen3 --with-decryption --query Parameter.Value --output text)"',
          `docker run --env-file /run/qwen-serving/qwen3.api-key.env ${IMAGES.sglang} bash -c 'exec python3 -m sglang.launch_server --api-key "$SGLANG_API_KEY"'`,
          "python3 -m sglang.launch_server --max-total-tokens 1000 --tokenizer-mode auto --max-prefill-tokens 16384",
          "docker login --password-stdin -u AWS public.ecr.aws",
        ].join("\n"),
      }),
      container({
        envs: ["GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password", "GF_USERS_ALLOW_SIGN_UP=false"],
        command: ["bash", "-c", 'exec python3 -m sglang.launch_server --api-key "$SGLANG_API_KEY"'],
      }),
      deployment([{ name: "sglang", image: IMAGES.sglang, env: [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hub-tokens", key: "hf-token" } } }] }]),
    ],
    violations: [],
  },

  // --- images-pinned
  {
    policy: "images-pinned",
    title: "remote image on latest",
    stack: "dev",
    resources: [{ type: TYPES.dockerImage, name: "sglang", props: { name: "lmsysorg/sglang:latest" } }],
    violations: ['"lmsysorg/sglang:latest" is not pinned'],
  },
  { policy: "images-pinned", title: "container image without a tag", stack: "dev", resources: [container({ image: "prom/prometheus" })], violations: ['"prom/prometheus" is not pinned'] },
  {
    policy: "images-pinned",
    title: "registry port mistaken for a tag",
    stack: "dev",
    resources: [{ type: TYPES.dockerImage, name: "mirror", props: { name: "localhost:5000/sglang" } }],
    violations: ['"localhost:5000/sglang" is not pinned'],
  },
  {
    policy: "images-pinned",
    title: "Kubernetes init container without a tag",
    stack: "dev",
    resources: [
      {
        type: TYPES.statefulSet,
        name: "sglang",
        props: { spec: { template: { spec: { initContainers: [{ name: "weights", image: "busybox" }], containers: [{ name: "sglang", image: IMAGES.sglang }] } } } },
      },
    ],
    violations: ['container weights image "busybox"'],
  },
  {
    policy: "images-pinned",
    title: "Helm chart without a version",
    stack: "dev",
    resources: [{ type: TYPES.helmRelease, name: "kps", props: { chart: "kube-prometheus-stack" } }],
    violations: ["chart kube-prometheus-stack has no version"],
  },
  {
    policy: "images-pinned",
    title: "user-data running a latest image",
    stack: "dev",
    resources: [goodInstance({ userData: "#!/bin/bash\ndocker run -d grafana/grafana:latest\n" })],
    violations: ["userData runs image grafana/grafana:latest"],
  },
  {
    policy: "images-pinned",
    title: "tags, digests, image ids and chart versions",
    stack: "dev",
    resources: [
      { type: TYPES.dockerImage, name: "sglang", props: { name: IMAGES.sglang } },
      { type: TYPES.dockerImage, name: "mirror", props: { name: "localhost:5000/sglang:v1" } },
      container({ image: `sha256:${SHA}` }),
      { ...container({ image: `prom/prometheus@sha256:${SHA}` }), name: "prometheus" },
      deployment([{ name: "router", image: "lmsysorg/sglang-router:0.1.5" }]),
      { type: TYPES.helmRelease, name: "kps", props: { chart: "kube-prometheus-stack", version: "77.0.0" } },
      goodInstance({ userData: `#!/bin/bash\ndocker run -d ${IMAGES.grafana}\n` }),
    ],
    violations: [],
  },
];

function weightCacheVolume(stack: string, protect: boolean, marked: "component" | "tag", violations: string[]): PolicyFixture {
  return {
    policy: "weight-cache-retained-in-prod",
    title: `${stack} weight-cache volume (${marked === "component" ? "in a WeightCache" : "tagged"}), ${protect ? "protected" : "not protected"}`,
    stack,
    resources: [
      {
        type: TYPES.ebsVolume,
        name: "weights",
        props: { size: 500, encrypted: true, tags: marked === "tag" ? { [ROLE_TAG]: WEIGHT_CACHE_ROLE } : { Name: "gpu-0-weights" } },
        protect,
        parentTypes: marked === "component" ? ["qwen-serving:index:QwenServing", "qwen-serving:aws:AwsPlatform", WEIGHT_CACHE_COMPONENT] : [],
      },
    ],
    violations,
  };
}
