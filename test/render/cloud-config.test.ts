import { randomBytes } from "crypto";
import { gunzipSync } from "zlib";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderCloudConfig, USER_DATA_LIMIT_BYTES, userDataBase64 } from "../../components/render/cloud-config";
import { NODE_PATHS } from "../../components/contract";
import { refusal } from "../support/refusal";

const owner = { path: "services", what: "node gpu-0", advice: "place fewer services on one node" };

describe("the one cloud-config builder", () => {
  it("installs packages first, writes files then units (root-owned, with their modes), and runs argv commands", () => {
    const doc = renderCloudConfig({
      packages: ["docker.io"],
      files: [
        { path: "/opt/a.sh", content: "#!/bin/bash\necho 'a: b'\n", mode: 0o755 },
        { path: "/etc/b.yml", content: "x: 1\n" },
      ],
      units: [{ name: "a.service", content: "[Unit]\nDescription=A\n", enable: true }],
      runcmd: [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "a.service"],
      ],
    });
    expect(doc.startsWith("#cloud-config\n")).toBe(true);
    expect(parse(doc)).toEqual({
      package_update: true,
      packages: ["docker.io"],
      write_files: [
        { path: "/opt/a.sh", owner: "root:root", permissions: "0755", content: "#!/bin/bash\necho 'a: b'\n" },
        { path: "/etc/b.yml", owner: "root:root", permissions: "0644", content: "x: 1\n" },
        { path: `${NODE_PATHS.units}/a.service`, owner: "root:root", permissions: "0644", content: "[Unit]\nDescription=A\n" },
      ],
      runcmd: [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "a.service"],
      ],
    });
  });

  it("leaves the package keys out when there is nothing to install, and never folds a long line", () => {
    const long = `ExecStart=/usr/bin/docker run ${"--flag value ".repeat(40)}`;
    const doc = renderCloudConfig({ files: [{ path: "/x", content: `${long}\n` }], runcmd: [] });
    expect(Object.keys(parse(doc))).toEqual(["write_files", "runcmd"]);
    expect(doc).toContain(long.trimEnd());
  });
});

describe("user data", () => {
  it("is the document gzipped, base64", () => {
    const doc = renderCloudConfig({ files: [{ path: "/x", content: "y\n" }], runcmd: [["true"]] });
    expect(gunzipSync(Buffer.from(userDataBase64(doc, owner), "base64")).toString("utf8")).toBe(doc);
  });

  it("over 16 KiB gzipped (EC2 counts the bytes before base64) is refused as a problem naming the key and the size", () => {
    // Random hex barely compresses: 40 KB of it gzips to about 20 KB.
    const doc = renderCloudConfig({ files: [{ path: "/x", content: randomBytes(20_000).toString("hex") }], runcmd: [] });
    const error = refusal(() => userDataBase64(doc, owner));
    const [p] = error.problems;
    expect(p.path).toBe("qwen-serving:services");
    expect(p.value).toMatch(/^\d+ bytes gzipped$/);
    expect(Number(String(p.value).split(" ")[0])).toBeGreaterThan(USER_DATA_LIMIT_BYTES);
    expect(p.rule).toBe("node gpu-0's user data must fit EC2's 16384-byte limit");
    expect(p.advice).toBe("place fewer services on one node");
  });

  it("a document that is over 16 KiB only before gzip is accepted", () => {
    const doc = renderCloudConfig({ files: [{ path: "/x", content: "a".repeat(3 * USER_DATA_LIMIT_BYTES) }], runcmd: [] });
    expect(Buffer.from(userDataBase64(doc, owner), "base64").length).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });
});
