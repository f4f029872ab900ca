import { describePulumiUp } from "./pulumi-up";

describePulumiUp("prod");
