/** Small helpers shared by the bash renderers. Pure. */

/** Quotes a value for bash so it is one word whatever it holds (`'` becomes `'\''`). */
export function shq(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** Joins lines into a script body that ends with exactly one newline. */
export function script(lines: readonly string[]): string {
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}
