// QEMU's option-value syntax (QemuOpts), shared by the command line (cli.ts) and the monitor options
// (qmp/options.ts): comma-separated elements, ",," standing for a comma inside an element, key=value
// pairs, a bare word meaning the key is on, and QEMU's short negative forms of socket flags.

/** Splits at single commas; ",," is a literal comma ("file=a,,b" is the file "a,b"). */
export function splitOptions(value: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== ",") {
      cur += c;
      continue;
    }
    if (value[i + 1] === ",") {
      cur += ",";
      i++;
      continue;
    }
    parts.push(cur);
    cur = "";
  }
  parts.push(cur);
  return parts;
}

/** The short forms QEMU still accepts for its socket flags: nowait = wait=off, and so on. */
const NEGATED = new Set(["nowait", "noserver", "nodelay", "notelnet"]);

/**
 * key=value elements into a map. A bare word maps to undefined (QEMU: the key is on), except
 * nowait/noserver/nodelay/notelnet, which set the flag to "off". Empty elements are skipped.
 */
export function parseProps(parts: string[]): Map<string, string | undefined> {
  const props = new Map<string, string | undefined>();
  for (const p of parts) {
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq >= 0) props.set(p.slice(0, eq), p.slice(eq + 1));
    else if (NEGATED.has(p)) props.set(p.slice(2), "off");
    else props.set(p, undefined);
  }
  return props;
}

/** A boolean property: on/yes/true, off/no/false, or bare (on); undefined for anything else. */
export function parseOnOff(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "on" || v === "yes" || v === "true") return true;
  if (v === "off" || v === "no" || v === "false") return false;
  return undefined;
}

/** QEMU's message for a boolean property with another value. */
export const onOffError = (key: string): string => `Parameter '${key}' expects 'on' or 'off'`;
