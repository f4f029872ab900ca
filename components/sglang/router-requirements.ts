import { readFileSync } from "fs";
import { join } from "path";
import { packageRoot } from "../render/scripts/sources";
import { ROUTER_REQUIREMENTS_FILE } from "./router-args";

/**
 * router-requirements.txt as the aws node and the docker router install get it: the router and its
 * one extra import, with the sha256 of every wheel, for `pip install --require-hashes -r`. Its
 * comments stay home (user-data holds 16 KiB): one line names the source.
 */
export function routerRequirements(): string {
  const lines = readFileSync(join(packageRoot(), ROUTER_REQUIREMENTS_FILE), "utf8").split("\n");
  return [`# ${ROUTER_REQUIREMENTS_FILE} of qwen-serving (why these pins: its comments)`, ...lines.filter((l) => !l.startsWith("#"))].join("\n");
}
