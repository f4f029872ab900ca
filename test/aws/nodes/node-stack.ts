// Mock tests of the GPU nodes of one stack: the real program under the strict mocks, with the
// resource options (protect, retainOnDelete, deleteBeforeReplace) recorded as the engine gets them.
import { gunzipSync } from "zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { Artifact } from "../../../components/render/artifact";
import { DeploymentPlan } from "../../../components/sglang/planner";
import { installMocks, isSecretValue, mockId, RecordedResource, settle, valueOf } from "../../../infra/mocks";
import { runProgram } from "../../../infra/program";
import { readStackFile } from "../../../infra/stack-file";
import { execOf } from "./systemd-exec";
import { weightsUnitName } from "../../../components/render/aws/gpu-units";
import { ROOT_VOLUME_PERFORMANCE } from "../../../components/aws/gpu-node";
import { IMAGES, NODE_PATHS, PORTS, TAGS } from "../../../components/contract";
import { SESSION_MANAGER_STATEMENT } from "../../../components/aws/node-role";

interface Options {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
}

const settingsModule = require("@pulumi/pulumi/runtime/settings");
const rpc = require("@pulumi/pulumi/runtime/rpc");

export function describeNodeStack(stack: string, expected: { retain: boolean; apiKeys: boolean }): void {
  let recorded: RecordedResource[];
  const options = new Map<string, Options>();
  let plan: DeploymentPlan;
  let artifacts: Artifact[];
  let image: string;

  beforeAll(async () => {
    const file = readStackFile(process.cwd(), stack);
    recorded = installMocks({ project: file.project, stack: file.stack, config: file.config, secretKeys: file.secretKeys });
    const monitor = settingsModule.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: unknown) => {
      options.set(req.getName(), { protect: req.getProtect(), retainOnDelete: req.getRetainondelete(), deleteBeforeReplace: req.getDeletebeforereplace() });
      return register(req, cb);
    };
    const { serving } = runProgram();
    plan = serving.plan;
    image = JSON.parse(file.config["qwen-serving:image"] ?? `"${IMAGES.sglang}"`);
    artifacts = await valueOf(serving.artifacts);
    await settle();
  });

  const all = (type: string) => recorded.filter((r) => r.type === type);
  const one = (type: string, name: string) => {
    const found = recorded.filter((r) => r.type === type && r.name === name);
    expect(found, `${type} ${name}`).toHaveLength(1);
    return found[0];
  };
  const prefix = `qwen-${stack}-aws`;
  const instanceOf = (node: string) => one("aws:ec2/instance:Instance", `${prefix}-${node}-instance`);
  const volumeOf = (node: string) => one("aws:ebs/volume:Volume", `${prefix}-${node}-weights-volume`);
  const artifact = (p: string) => {
    const a = artifacts.find((x) => x.path === p);
    if (!a) throw new Error(`no artifact ${p}; have ${artifacts.map((x) => x.path).join(", ")}`);
    return a;
  };

  describe(`GPU nodes of stack '${stack}'`, () => {
    it("creates one instance, one cache volume and one attachment per planned node", () => {
      expect(plan.nodes.length).toBeGreaterThan(0);
      expect(all("qwen-serving:aws:GpuNode").map((r) => r.name)).toEqual(plan.nodes.map((n) => `${prefix}-${n.name}`));
      expect(all("aws:ec2/volumeAttachment:VolumeAttachment").filter((r) => r.parent?.startsWith(`${prefix}-gpu`))).toHaveLength(plan.nodes.length);
      for (const n of plan.nodes) expect(instanceOf(n.name).inputs.instanceType).toBe(n.instanceType);
    });

    it("puts instance and volume in the same AZ, the instance in the private subnet", () => {
      const subnet = one("aws:ec2/subnet:Subnet", `${prefix}-network-private`);
      for (const n of plan.nodes) {
        const az = volumeOf(n.name).inputs.availabilityZone;
        expect(typeof az === "string" && /^[a-z]{2}-[a-z]+-\d[a-z]$/.test(az)).toBe(true);
        expect(instanceOf(n.name).inputs.availabilityZone).toBe(az);
        expect(instanceOf(n.name).inputs.subnetId).toBe(mockId(subnet.type, subnet.name));
      }
    });

    it("requires IMDSv2 with hop limit 2, encrypts every volume, and has no key pair", () => {
      for (const n of plan.nodes) {
        const inst = instanceOf(n.name).inputs as Record<string, any>;
        expect(inst.metadataOptions).toEqual({ httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" });
        expect(inst.keyName).toBeUndefined();
        expect(inst.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: "gp3", volumeSize: 200, deleteOnTermination: true });
        expect(inst.iamInstanceProfile).toBe(`${prefix}-node-profile-id`);
      }
      for (const v of all("aws:ebs/volume:Volume")) expect({ name: v.name, encrypted: v.inputs.encrypted }).toEqual({ name: v.name, encrypted: true });
    });

    it("sizes the cache from the plan at the configured gp3 throughput and IOPS", () => {
      const file = readStackFile(process.cwd(), stack);
      const cache = JSON.parse(file.config["qwen-serving:cache"]);
      for (const n of plan.nodes) {
        const c = plan.caches.find((x) => x.node === n.name)!;
        expect(volumeOf(n.name).inputs).toEqual({
          availabilityZone: instanceOf(n.name).inputs.availabilityZone,
          type: "gp3",
          size: c.sizeGiB,
          throughput: cache.throughputMiBps,
          iops: cache.iops,
          encrypted: true,
          tags: { Name: `${stack}-${n.name}-weights`, [TAGS.stack]: stack },
        });
      }
    });

    it(`keeps the volume across instance replacement${expected.retain ? ", protected and retained" : ""}`, () => {
      for (const n of plan.nodes) {
        const vol = volumeOf(n.name);
        const att = one("aws:ec2/volumeAttachment:VolumeAttachment", `${prefix}-${n.name}-cache`);
        // The volume is not the instance's child and none of its inputs come from the instance.
        expect(vol.parent).toBe(`${prefix}-${n.name}-weights`);
        expect(JSON.stringify(vol.inputs)).not.toContain("i-");
        expect(att.inputs).toEqual({
          instanceId: mockId("aws:ec2/instance:Instance", `${prefix}-${n.name}-instance`),
          volumeId: mockId(vol.type, vol.name),
          deviceName: "/dev/sdf",
          stopInstanceBeforeDetaching: true,
        });
        expect(options.get(att.name)?.deleteBeforeReplace).toBe(true);
        expect(instanceOf(n.name).inputs.userDataReplaceOnChange).toBe(true);
        expect(options.get(vol.name)).toMatchObject({ protect: expected.retain, retainOnDelete: expected.retain });
      }
    });

    it("boots from exactly the rendered cloud-init, which names the attached volume and holds no secret", () => {
      for (const n of plan.nodes) {
        const inst = instanceOf(n.name).inputs as Record<string, string>;
        const doc = gunzipSync(Buffer.from(inst.userDataBase64, "base64")).toString();
        expect(doc).toBe(artifact(`${n.name}/cloud-init.yaml`).content);
        const vol = volumeOf(n.name);
        expect(artifact(`${n.name}/mount-cache.sh`).content).toContain(`VOLUME_ID='${mockId(vol.type, vol.name)}'`);
        expect(doc).not.toContain("[secret]");
        // The root volume takes the SGLang image's tens of GB of layers: provisioned beyond gp3's 125 MiB/s baseline.
        expect(inst.rootBlockDevice).toMatchObject({ volumeType: "gp3", ...ROOT_VOLUME_PERFORMANCE });
        expect(doc).not.toMatch(/hf_[A-Za-z0-9]{10,}/);
      }
    });

    it("runs one unit per planned replica with exactly the builder's argv on exactly the planned GPUs and port", () => {
      for (const s of plan.services) {
        for (const p of s.placement) {
          const unit = artifact(`${p.node}/sglang-${s.name}-${p.replica}.service`).content;
          // Never --api-key (the proxy checks the key; SGLang logs its server_args), on the node's loopback only.
          expect(execOf(unit)).toEqual([
            "/usr/bin/docker",
            "run",
            "--rm",
            "--name",
            `sglang-${s.name}-${p.replica}`,
            "--gpus",
            `"device=${p.gpus.join(",")}"`,
            "--ipc=host",
            "--ulimit",
            "memlock=-1",
            "--ulimit",
            "stack=67108864",
            "--publish",
            `127.0.0.1:${p.port + PORTS.loopbackOffset}:${p.port}`,
            "--volume",
            `${NODE_PATHS.models}:${NODE_PATHS.models}:ro`,
            "--log-driver",
            "journald",
            image,
            "python3",
            "-m",
            "sglang.launch_server",
            ...p.launchArgs,
          ]);
          // Gates it waits for (and restarts until they pass), never Requires= or Assert=: those are never retried.
          expect(unit).toContain(`ExecStartPre=${NODE_PATHS.bin}/wait-for.sh /run/qwen-serving/gpu-ok ${NODE_PATHS.models}/${s.weightsRepo}/.qwen-serving-complete\n`);
          expect(unit).not.toMatch(/^Assert/m);
          expect(unit).toMatch(/^Requires=docker\.service$/m);
          expect(unit).toContain(`\nAfter=docker.service qwen-gpu-check.service ${weightsUnitName(s.weightsRepo)}\n`);
          expect(unit).toContain(`\nRequiresMountsFor=${NODE_PATHS.models}\n`);
        }
      }
    });

    it("writes each node's files under <node>/: cloud-init, scripts, units, and the serving target wants every replica", () => {
      for (const n of plan.nodes) {
        const names = artifacts.filter((a) => a.path.startsWith(`${n.name}/`)).map((a) => a.path.slice(n.name.length + 1));
        const models = [...new Set(plan.services.filter((s) => s.placement.some((p) => p.node === n.name)).map((s) => weightsUnitName(s.weightsRepo)))];
        expect(names).toEqual(
          expect.arrayContaining([
            "cloud-init.yaml",
            "gpu-check.sh",
            "mount-cache.sh",
            "wait-for.sh",
            "fetch-secrets.sh",
            "fetch-weights.sh",
            "qwen-gpu-check.service",
            "qwen-cache-mount.service",
            ...models,
            "node-exporter.service",
            "dcgm-exporter.service",
            "qwen-proxy.service",
            "nginx.conf",
            "auth.js",
            "qwen-serving.target",
          ]),
        );
        const replicas = plan.services.flatMap((s) => s.placement.filter((p) => p.node === n.name).map((p) => `sglang-${s.name}-${p.replica}.service`));
        expect(names.filter((x) => x.startsWith("sglang-") && x.endsWith(".service") && !x.startsWith("sglang-router"))).toEqual(replicas);
        const wants = artifact(`${n.name}/qwen-serving.target`)
          .content.split("\n")
          .find((l) => l.startsWith("Wants="))!
          .slice(6)
          .split(" ");
        expect(wants).toEqual(expect.arrayContaining([...replicas, "qwen-proxy.service"]));
        for (const a of artifacts.filter((x) => x.path.startsWith(`${n.name}/`) && x.path.endsWith(".sh"))) expect(a.mode).toBe(0o755);
      }
    });

    it("puts the front proxy on every planned port of a node (the target groups' ports), SGLang and the router behind it on loopback", () => {
      const lb = all("aws:lb/loadBalancer:LoadBalancer");
      expect(lb).toHaveLength(1);
      const idle = lb[0].inputs.idleTimeout as number;
      const subnet = one("aws:ec2/subnet:Subnet", `${prefix}-network-private`).inputs.cidrBlock as string;
      const attachments = all("aws:lb/targetGroupAttachment:TargetGroupAttachment");
      expect(attachments.length).toBe(plan.services.length);
      for (const n of plan.nodes) {
        const conf = artifact(`${n.name}/nginx.conf`).content;
        const unit = artifact(`${n.name}/qwen-proxy.service`).content;
        const planned = plan.services.flatMap((s) => [...s.placement.filter((p) => p.node === n.name).map((p) => p.port), ...(s.router?.node === n.name ? [s.router.port, s.router.metricsPort] : [])]);
        const listens = [...conf.matchAll(/^ {4}listen (\S+);$/gm)].map((m) => m[1]);
        expect(new Set(listens)).toEqual(new Set(planned.map((p) => `0.0.0.0:${p}`)));
        // What it fronts sits at the loopback twins only.
        const backends = [...conf.matchAll(/^ {4}server (\S+);$/gm)].map((m) => m[1]);
        expect(new Set(backends)).toEqual(new Set(planned.map((p) => `127.0.0.1:${p + PORTS.loopbackOffset}`)));
        // The ALB closes idle connections first: AWS wants a target's keep-alive longer than its idle timeout.
        expect(Number(/keepalive_timeout (\d+)s;/.exec(conf)![1])).toBeGreaterThan(idle);
        // /metrics and the registration reads only from the private subnet (Prometheus; the ALB is in the public ones).
        expect([...new Set([...conf.matchAll(/allow (\S+);/g)].map((m) => m[1]))]).toEqual(expect.arrayContaining([subnet]));
        expect(conf).not.toMatch(/allow (0\.0\.0\.0\/0|all);/);
        const keyed = expected.apiKeys ? plan.services.filter((s) => s.placement.some((p) => p.node === n.name) || s.router?.node === n.name).map((s) => s.name) : [];
        expect(execOf(unit)).toEqual([
          "/usr/bin/docker",
          "run",
          "--rm",
          "--name",
          "qwen-proxy",
          "--network",
          "host",
          "--user",
          "101:101",
          "--read-only",
          "--tmpfs",
          "/tmp",
          "--cap-drop",
          "ALL",
          "--security-opt",
          "no-new-privileges",
          "--volume",
          "/etc/qwen-serving/proxy:/etc/qwen-serving/proxy:ro",
          ...(keyed.length ? ["--volume", "/run/qwen-serving/api-keys:/run/secrets/api-keys:ro"] : []),
          "--log-driver",
          "journald",
          IMAGES.proxy,
          "nginx",
          "-e",
          "stderr",
          "-c",
          "/etc/qwen-serving/proxy/nginx.conf",
        ]);
        // Each keyed service's key: fetched from its SSM parameter into a file owned by nginx's uid before each start.
        const region = readStackFile(process.cwd(), stack).config["aws:region"];
        expect(unit.split("\n").filter((l) => l.includes("fetch-api-key.sh"))).toEqual(
          keyed.map((s) => `ExecStartPre=/usr/local/lib/qwen-serving/fetch-api-key.sh ${region} /qwen-serving/${stack}/api-keys/${s} /run/qwen-serving/api-keys/${s} 101`),
        );
        for (const s of keyed) expect(conf).toContain(`set $qs_api_key_file /run/secrets/api-keys/${s};`);
        // A restart (a rotated key) lets running streams finish: nginx's graceful stop, as long as the longest generation.
        const longest = Number(/proxy_read_timeout (\d+)s;/.exec(conf)![1]);
        expect(unit).toContain(`\nExecStop=/usr/bin/docker stop --time ${longest} qwen-proxy\n`);
        if (!keyed.length) expect(conf).not.toContain("qs_api_key_file");
      }
      // Every target group's port on its node is one the proxy holds.
      for (const a of attachments) {
        const node = plan.nodes.find((n) => a.inputs.targetId === mockId("aws:ec2/instance:Instance", `${prefix}-${n.name}-instance`))!;
        expect(artifact(`${node.name}/nginx.conf`).content).toContain(`listen 0.0.0.0:${a.inputs.port};`);
      }
      // No key and no --api-key in anything the nodes carry.
      for (const a of artifacts) expect(a.content, a.path).not.toMatch(/--api-key|SGLANG_API_KEY/);
    });

    it("tags instances for Prometheus discovery and lets the role read only its boot parameters", () => {
      for (const n of plan.nodes) {
        const tags = instanceOf(n.name).inputs.tags as Record<string, string>;
        expect(tags[TAGS.stack]).toBe(stack);
        for (const s of plan.services.filter((x) => x.placement.some((p) => p.node === n.name))) expect(Object.keys(tags)).toContain(`${TAGS.servicePrefix}${s.name}`);
      }
      const attachments = recorded.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.parent === `${prefix}-node`);
      // No AmazonSSMManagedInstanceCore (ssm:GetParameter* on every parameter): Session Manager's minimal actions only.
      expect(attachments).toEqual([]);
      const policies = recorded.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.parent === `${prefix}-node`);
      expect(policies).toHaveLength(1);
      const doc = JSON.parse(policies[0].inputs.policy as string);
      expect(doc.Statement[0]).toEqual(SESSION_MANAGER_STATEMENT);
      expect(doc.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()).filter((a: string) => a.startsWith("ssm:"))).toEqual(
        expected.apiKeys ? ["ssm:UpdateInstanceInformation", "ssm:GetParameter"] : ["ssm:UpdateInstanceInformation"],
      );
      if (expected.apiKeys) {
        // Exactly this stack's parameters, by ARN: no wildcard.
        expect(doc.Statement.slice(1)).toEqual([
          {
            Sid: "BootParameters",
            Effect: "Allow",
            Action: "ssm:GetParameter",
            Resource: plan.services.map((s) => expect.stringMatching(new RegExp(`^arn:aws:ssm:[a-z0-9-]+:\\d{12}:parameter/qwen-serving/${stack}/api-keys/${s.name}$`))),
          },
        ]);
        const params = recorded.filter((r) => r.type === "aws:ssm/parameter:Parameter" && r.name.startsWith(`${prefix}-apikeys`));
        for (const p of params) expect(isSecretValue(p.inputs.value) || rpc.isRpcSecret(p.inputs.value)).toBe(true);
      }
    });
  });
}
