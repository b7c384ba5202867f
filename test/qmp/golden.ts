// Reading ../shared/qmp/qemu-7.2/*.txt (transcripts of real QEMU 7.2) and replaying their client lines
// against a QMP server, comparing the shape of every server message.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/qmp/qemu-7.2");

export interface Step {
  /** Bytes the client sends (newline included). */
  send: Buffer;
  /** The server lines QEMU sent after it (parsed JSON), or undefined when the transcript summarised them. */
  expect: unknown[] | undefined;
  line: string;
}

export interface Scenario {
  /** The QEMU command line of this part (one transcript can hold several parts). */
  qemu: string;
  startPaused: boolean;
  greeting: unknown;
  steps: Step[];
  /** The transcript says the server closed the connection at the end. */
  closedAtEnd: boolean;
}

/** Parse one single-client transcript into its parts. */
export function parseTranscript(text: string): Scenario[] {
  const parts: Scenario[] = [];
  let cur: Scenario | undefined;
  let last: Step | undefined;
  let lastS: unknown;
  for (const raw of text.split("\n")) {
    if (raw.startsWith("# qemu: ")) {
      const qemu = raw.slice(8).replace(/\s+\(the capture tool.*$/, "");
      cur = { qemu, startPaused: / -S /.test(qemu), greeting: undefined, steps: [], closedAtEnd: false };
      parts.push(cur);
      last = undefined;
      continue;
    }
    if (!cur) continue;
    if (raw.startsWith("# S (summarized")) {
      if (last) last.expect = undefined;
      continue;
    }
    const rep = /^# \(previous line repeated (\d+) more times\)/.exec(raw);
    if (rep && last?.expect) {
      for (let i = 0; i < Number(rep[1]); i++) last.expect.push(lastS);
      continue;
    }
    if (raw.startsWith("# S: connection closed by server")) {
      cur.closedAtEnd = true;
      continue;
    }
    if (raw.startsWith("S: ")) {
      lastS = JSON.parse(raw.slice(3));
      if (!last) cur.greeting = lastS;
      else last.expect?.push(lastS);
      continue;
    }
    if (raw.startsWith("C: ")) {
      let body = raw.slice(3);
      let note = "";
      const hash = body.indexOf("  # ");
      if (hash >= 0) {
        note = body.slice(hash + 4);
        body = body.slice(0, hash).trimEnd();
      }
      let send: Buffer;
      if (/^<bytes ([0-9a-f ]+)>$/.test(body)) {
        send = Buffer.concat([
          Buffer.from(
            body
              .slice(7, -1)
              .split(" ")
              .map((h) => parseInt(h, 16)),
          ),
          Buffer.from("\n"),
        ]);
      } else if (note.includes("real newline")) {
        send = Buffer.from(body.replace("\\n", "\n") + "\n");
      } else if (note.includes("no newline")) {
        send = Buffer.from(body);
      } else if (note.includes("CRLF")) {
        send = Buffer.from(body + "\r\n");
      } else {
        send = Buffer.from(body + "\n");
      }
      last = { send, expect: [], line: body };
      cur.steps.push(last);
    }
  }
  return parts;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Structure without values: keys (sorted) and JSON types. */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (isObj(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape(v[k])]),
    );
  return v === null ? "null" : typeof v;
}

/**
 * The comparable form of a server message: events by name and data, errors by class and text,
 * returns by shape (strings of HMP and query-status values exactly), ids exactly; timestamps and
 * version strings ignored.
 */
export function normalise(m: unknown, command?: string): unknown {
  if (!isObj(m)) return m;
  if ("QMP" in m) return { QMP: shape(m.QMP) };
  if ("event" in m) return { event: m.event, data: m.data, timestamp: shape(m.timestamp) };
  const out: Record<string, unknown> = {};
  if ("id" in m) out.id = m.id;
  if ("error" in m) out.error = m.error;
  if ("return" in m) {
    const r = m.return;
    if (command === "query-status" || (typeof r === "string" && !/^\d+\.\d+\.\d+/.test(r))) out.return = r;
    else if (command === "query-cpus-fast" && Array.isArray(r))
      out.return = r.map((x) => ({ ...x, "thread-id": "int" }));
    else out.return = shape(r);
  }
  return out;
}

/** The command a client line executes, if it is a JSON object with execute. */
export function commandOf(line: string): string | undefined {
  try {
    const v = JSON.parse(line.replace(/'/g, '"'));
    return typeof v?.execute === "string" ? v.execute : undefined;
  } catch {
    return undefined;
  }
}
