import { describePulumiUp } from "./pulumi-up";

describePulumiUp("h20");
