// The router's units checked by the real tool (systemd-analyze verify);
// what they contain is asserted in router.test.ts.
import { describe, expect, test } from "vitest";
import { routerNodeFiles } from "../../../components/render/aws/router-units";
import { crossNodeConfig, plan, prodConfig } from "./fixtures";
import { DOCKER_PACKAGE, systemdVerify } from "../../support/tools";
import { IMAGES } from "../../../components/contract";

const SGLANG_IMAGE = IMAGES.sglang;
const noRemote = (node: string): string => {
  throw new Error(`unexpected remote worker on ${node}`);
};

describe("router units on the node", () => {
  const prod = plan(prodConfig());
  const files = routerNodeFiles({ services: prod.services, sglangImage: SGLANG_IMAGE, addressOf: noRemote, requestTimeoutSecs: 900 });

  test("every unit passes systemd-analyze verify", async () => {
    const cross = plan(crossNodeConfig());
    const crossFiles = routerNodeFiles({ services: cross.services, sglangImage: SGLANG_IMAGE, addressOf: () => "10.0.17.9", requestTimeoutSecs: 900 });
    for (const f of [files, crossFiles]) expect(await systemdVerify(f.units, f.files, DOCKER_PACKAGE.programs, DOCKER_PACKAGE.units)).toBe("");
  });

  test("systemd-analyze verify catches a unit that runs a missing program (the check can fail)", async () => {
    const broken = files.units.map((u) => ({ ...u, content: u.content.replace(/\/usr\/bin\/docker/g, "/usr/bin/dockr") }));
    expect(await systemdVerify(broken, files.files, DOCKER_PACKAGE.programs, DOCKER_PACKAGE.units)).toContain("/usr/bin/dockr is not executable");
  });
});
