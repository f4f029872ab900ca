// The qwen-serving policy pack, run by the Pulumi CLI: `pulumi preview|up --policy-pack policy`.
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../components/contract";
import { qwenServingPolicies } from "./policies";

// The CLI hands a policy pack the stack's config; the program decides prod-ness from the same key.
const environment = new pulumi.Config(PROJECT).get("environment");

new PolicyPack("qwen-serving", {
  description:
    "qwen-serving's security and reliability rules: IMDSv2, encrypted EBS, no SSH or open ingress, serving ports only from the load balancer and monitoring, protected prod weight caches, no plaintext secrets, pinned images.",
  enforcementLevel: "mandatory",
  policies: qwenServingPolicies({ environment }),
});
