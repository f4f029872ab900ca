#!/usr/bin/env node
// `qwen-serving <command> [options]`: the package's command (package.json "bin"), from dist/ when
// installed or through npx, from the sources with `npm run -s qwen-serving -- ...`.
import * as fs from "fs";
import * as path from "path";
import { main as capacity } from "./capacity";
import { CliIo, EXIT, EXIT_CODES_HELP, PROCESS_IO, runAsProcess } from "./cli";
import { explainRejection, main as plan } from "./plan";

interface Command {
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => number | Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  plan: { summary: "plan a stack offline (resources, capacity, placement, budget, rendered files)", run: plan },
  capacity: { summary: "SGLang's memory math for one model on one GPU type", run: capacity },
};

/** The version in the package's own package.json, found above this file (infra/ or dist/infra/). */
function version(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  }
  return "unknown";
}

export const HELP = [
  "usage: qwen-serving <command> [options]",
  "",
  "commands:",
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
  "",
  "`qwen-serving <command> --help` describes each command; --version prints the version.",
  "",
  EXIT_CODES_HELP,
].join("\n");

/** Dispatches to a command's `main`; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (name === "--version") {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    io.stderr.write(`error: ${name === undefined ? "no command given" : `unknown command '${name}'`}; commands: ${Object.keys(COMMANDS).join(", ")} (see --help)\n`);
    return EXIT.badInput;
  }
  return command.run(rest, io);
}

if (require.main === module) runAsProcess(main, { onRejection: explainRejection });
