// The router's units and scripts checked by the real tools (systemd-analyze verify, shellcheck);
// what they contain is asserted in router.test.ts.
import { writeFileSync } from "fs";
import { join } from "path";
import { describe, expect, test } from "vitest";
import { routerNodeFiles } from "../../components/render/aws/router-units";
import { registerWorkersScript } from "../../components/render/scripts/register-workers";
import { crossNodeConfig, plan, prodConfig } from "./fixtures";
import { DOCKER_PACKAGE, shellcheck, systemdVerify, tempDir } from "../support/tools";
import { IMAGES } from "../../components/contract";

const SGLANG_IMAGE = IMAGES.sglang;
const noRemote = (node: string): string => {
  throw new Error(`unexpected remote worker on ${node}`);
};

describe("router units on the node", () => {
  const prod = plan(prodConfig());
  const files = routerNodeFiles({ services: prod.services, sglangImage: SGLANG_IMAGE, addressOf: noRemote });

  test("every unit passes systemd-analyze verify", async () => {
    const cross = plan(crossNodeConfig());
    const crossFiles = routerNodeFiles({ services: cross.services, sglangImage: SGLANG_IMAGE, addressOf: () => "10.0.17.9" });
    for (const f of [files, crossFiles]) expect(await systemdVerify(f.units, f.files, DOCKER_PACKAGE.programs, DOCKER_PACKAGE.units)).toBe("");
  });

  test("systemd-analyze verify catches a unit that runs a missing program (the check can fail)", async () => {
    const broken = files.units.map((u) => ({ ...u, content: u.content.replace(/\/usr\/bin\/docker/g, "/usr/bin/dockr") }));
    expect(await systemdVerify(broken, files.files, DOCKER_PACKAGE.programs, DOCKER_PACKAGE.units)).toContain("/usr/bin/dockr is not executable");
  });

  test("the registration script is shellcheck-clean", async () => {
    const dir = tempDir("qs-router-sh-");
    const paths = prod.services.map((s) => {
      const p = join(dir, `${s.name}.sh`);
      writeFileSync(p, registerWorkersScript(s, noRemote));
      return p;
    });
    expect(await shellcheck(paths)).toBe("");
  });
});
