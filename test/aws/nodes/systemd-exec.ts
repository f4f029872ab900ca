// Splits a systemd ExecStart= value into argv the way systemd.service(5) "Command lines" describes:
// whitespace separates words; a word may be wrapped in double or single quotes; C-style backslash
// escapes are decoded; "$$" is a literal "$" and "%%" a literal "%". (Only what our units use.)
export function splitExecLine(line: string): string[] {
  const argv: string[] = [];
  let i = 0;
  const s = line.replace(/%%/g, "\u0000");
  while (i < s.length) {
    while (s[i] === " ") i++;
    if (i >= s.length) break;
    let word = "";
    const quote = s[i] === '"' || s[i] === "'" ? s[i++] : undefined;
    for (; i < s.length; i++) {
      const c = s[i];
      if (quote ? c === quote : c === " ") break;
      if (c === "\\") {
        const n = s[++i];
        word += ({ n: "\n", t: "\t", "\\": "\\", '"': '"', "'": "'" } as Record<string, string>)[n] ?? n;
      } else if (c === "$" && s[i + 1] === "$") {
        word += "$";
        i++;
      } else word += c;
    }
    if (quote) {
      if (s[i] !== quote) throw new Error(`unbalanced quote in: ${line}`);
      i++;
      if (i < s.length && s[i] !== " ") throw new Error(`quoted word followed by text in: ${line}`);
    }
    argv.push(word.replaceAll("\u0000", "%"));
  }
  return argv;
}

/** The argv of a unit's `Key=` line (first one), without a leading "-" (ignore-failure) prefix. */
export function execOf(unit: string, key = "ExecStart"): string[] {
  const line = unit.split("\n").find((l) => l.startsWith(`${key}=`));
  if (!line) throw new Error(`no ${key}= in unit:\n${unit}`);
  return splitExecLine(line.slice(key.length + 1).replace(/^-/, ""));
}
