import { describe, expect, it } from "vitest";
import { bootTarget, command, containerUnit, dependencyLines, oneshotUnit, systemdArg } from "../../components/render/systemd";

describe("systemd command lines", () => {
  it.each([
    ["http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"],
    ['a b"$x%', '"a b\\"$$x%%"'],
    ['"device=0,1"', '"\\"device=0,1\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["100%", "100%%"],
  ])("%s is one argument: %s", (arg, quoted) => {
    expect(systemdArg(arg)).toBe(quoted);
  });

  it("joins an argv with spaces", () => {
    expect(command(["/usr/bin/docker", "rm", "--force", "a b"])).toBe('/usr/bin/docker rm --force "a b"');
  });
});

describe("unit builders", () => {
  it("dependencies render Before, After, Requires, Wants in that order and only when given", () => {
    expect(dependencyLines({ wants: ["w"], requires: ["r"], after: ["a1", "a2"], before: ["b"] })).toEqual(["Before=b", "After=a1 a2", "Requires=r", "Wants=w"]);
    expect(dependencyLines({ after: ["a"], requires: [] })).toEqual(["After=a"]);
  });

  it("a container unit removes a leftover, runs in the foreground under Restart=always, and stops with docker's grace", () => {
    const u = containerUnit({
      name: "x.service",
      container: "x",
      description: "X on port 1",
      unit: dependencyLines({ after: ["docker.service"], requires: ["docker.service"] }),
      preStart: ["/opt/fetch.sh"],
      startTimeoutSec: 900,
      run: ["--network", "host", "img:1", "--flag=$HOME"],
      stopGraceSec: 30,
    });
    expect(u).toEqual({
      name: "x.service",
      enable: false,
      content: [
        "[Unit]",
        "Description=X on port 1",
        "After=docker.service",
        "Requires=docker.service",
        "",
        "[Service]",
        "ExecStartPre=-/usr/bin/docker rm --force x",
        "ExecStartPre=/opt/fetch.sh",
        "TimeoutStartSec=900",
        'ExecStart=/usr/bin/docker run --rm --name x --network host img:1 "--flag=$$HOME"',
        "ExecStop=/usr/bin/docker stop --time 30 x",
        "Restart=always",
        "RestartSec=10",
        "TimeoutStopSec=60",
        "",
      ].join("\n"),
    });
  });

  it("a container unit with an [Install] section is enabled at boot; without a grace it stops with docker's default", () => {
    const u = containerUnit({ name: "y.service", container: "y", description: "Y", unit: [], run: ["img"], install: ["WantedBy=multi-user.target"] });
    expect(u.enable).toBe(true);
    expect(u.content).toContain("ExecStop=/usr/bin/docker stop y\nRestart=always\nRestartSec=10\n\n[Install]\nWantedBy=multi-user.target\n");
  });

  it("a oneshot stays active once done unless told otherwise", () => {
    const step = oneshotUnit({ name: "s.service", description: "S", deps: { after: ["local-fs.target"] }, service: ["ExecStart=/bin/true"] });
    expect(step.content).toBe("[Unit]\nDescription=S\nAfter=local-fs.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n");
    expect(oneshotUnit({ name: "t.service", description: "T", deps: {}, service: [], remainAfterExit: false }).content).not.toContain("RemainAfterExit");
  });

  it("a boot target wants the node's units and is the one enabled unit", () => {
    expect(bootTarget("n.target", "N", ["a.service", "b.timer"])).toEqual({
      name: "n.target",
      enable: true,
      content: "[Unit]\nDescription=N\nWants=a.service b.timer\nAfter=network-online.target\n\n[Install]\nWantedBy=multi-user.target\n",
    });
  });
});
