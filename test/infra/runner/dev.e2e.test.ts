import { describePulumiUp } from "./pulumi-up";

describePulumiUp("dev");
