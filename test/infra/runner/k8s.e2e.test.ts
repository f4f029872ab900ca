import { describePulumiUp } from "./pulumi-up";

describePulumiUp("k8s");
