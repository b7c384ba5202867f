// wasmvirt-qmp: a QMP shell in the manner of QEMU's qmp-shell, and a one-shot mode for scripts.
//
//   wasmvirt-qmp [-p] [-H] ADDRESS                     interactive (history, events as they arrive)
//   wasmvirt-qmp [-p] ADDRESS COMMAND [ARGS...]        one command; prints the reply as JSON
//
// ADDRESS is a unix socket path, unix:PATH, tcp:HOST:PORT or HOST:PORT. ARGS are key=value pairs
// (values parsed as JSON when they are JSON: numbers, true/false, arrays, objects) or one JSON object.
// A line starting with "{" is sent as raw JSON.
import readline from "node:readline";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { QmpClient, type Reply } from "./client.js";
import { JsonStreamParser, toJson, type JsonObject, type JsonValue } from "../qmp/json.js";

const USAGE = `usage: wasmvirt-qmp [-p] [-H] ADDRESS [COMMAND [key=value ...]]
  ADDRESS   unix socket path, unix:PATH, tcp:HOST:PORT or HOST:PORT of a -qmp monitor
  COMMAND   run one command and print its reply as JSON (exit status 1 on an error reply)
  -p        pretty-print JSON
  -H        interactive shell speaks HMP (human-monitor-command)
Interactive: "query-status", "memsave val=0x80000000 size=64 filename=/tmp/m", raw JSON, "quit" ends the VM,
Ctrl-D leaves the shell.`;

/** Parse one JSON text fully (our parser: exact big integers, QEMU's single quotes). */
export function parseJson(text: string): JsonValue {
  let out: JsonValue | undefined;
  let err: string | undefined;
  const p = new JsonStreamParser((m) => {
    if (m.error) err = m.error.message;
    else if (out === undefined) out = m.value;
  });
  p.feed(Buffer.from(text));
  p.flush();
  if (err) throw new Error(err);
  if (out === undefined) throw new Error("incomplete JSON");
  return out;
}

function parseValue(v: string): JsonValue {
  if (/^0x[0-9a-f]+$/i.test(v)) {
    const b = BigInt(v);
    return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  try {
    return parseJson(v);
  } catch {
    return v;
  }
}

/** Whitespace-separated words; "..." and '...' group words (the quotes are removed). */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = "",
    quote = "",
    inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = "";
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) {
        words.push(cur);
        cur = "";
        inWord = false;
      }
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** qmp-shell's line syntax: `command key=value ...` or raw JSON. */
export function parseLine(line: string): JsonObject {
  const t = line.trim();
  if (t.startsWith("{")) return parseJson(t) as JsonObject;
  const [command, ...rest] = splitWords(t);
  if (rest.length === 1 && rest[0].startsWith("{")) return { execute: command, arguments: parseJson(rest[0]) };
  const args: JsonObject = {};
  for (const kv of rest) {
    const eq = kv.indexOf("=");
    if (eq < 0) throw new Error(`argument '${kv}' is not key=value`);
    args[kv.slice(0, eq)] = parseValue(kv.slice(eq + 1));
  }
  return Object.keys(args).length ? { execute: command, arguments: args } : { execute: command };
}

export async function main(argv: string[]): Promise<number> {
  let pretty = false,
    hmp = false;
  const rest: string[] = [];
  for (const a of argv) {
    if (a === "-p" || a === "--pretty") pretty = true;
    else if (a === "-H" || a === "--hmp") hmp = true;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else rest.push(a);
  }
  if (rest.length === 0) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  const client = new QmpClient();
  try {
    await client.connect(rest[0]);
    await client.negotiate();
  } catch (e) {
    process.stderr.write(`wasmvirt-qmp: ${rest[0]}: ${(e as Error).message}\n`);
    return 1;
  }
  const show = (v: JsonValue) => toJson(v, pretty);

  if (rest.length > 1) {
    let req: JsonObject;
    try {
      req = parseLine(rest.slice(1).join(" "));
    } catch (e) {
      process.stderr.write(`wasmvirt-qmp: ${(e as Error).message}\n`);
      client.close();
      return 2;
    }
    const reply = await client.request(req);
    const { id: _id, ...shown } = reply as Reply & { id?: JsonValue };
    process.stdout.write(show(shown as JsonObject) + "\n");
    client.close();
    return "error" in reply ? 1 : 0;
  }

  // Interactive shell.
  const historyFile = path.join(os.homedir(), ".wasmvirt_qmp_history");
  let history: string[] = [];
  try {
    history = fs.readFileSync(historyFile, "utf8").split("\n").filter(Boolean).reverse().slice(0, 1000);
  } catch {
    /* none yet */
  }
  const g = client.greeting?.QMP as JsonObject | undefined;
  const ver = g?.version as JsonObject | undefined;
  process.stdout.write(
    `Welcome to the QMP low-level shell!\nConnected to ${toJson((ver?.package as JsonValue) ?? "")} ` +
      `(QEMU ${toJson(ver?.qemu as JsonValue)})\n`,
  );
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    history,
    historySize: 1000,
    terminal: process.stdin.isTTY,
    completer: (line: string) => {
      const names = commands.filter((c) => c.startsWith(line));
      return [names, line];
    },
  });
  let commands: string[] = [];
  // Lines may already be waiting (piped input): handlers are attached before anything is awaited,
  // and every line runs after the completion list has been fetched, in order.
  let chain: Promise<void> = client.execute("query-commands").then((list) => {
    if ("return" in list && Array.isArray(list.return))
      commands = list.return.map((c) => String((c as JsonObject).name));
  });
  const closed = new Promise<void>((r) => rl.on("close", () => r()));
  client.on("event", (e: JsonObject) => {
    process.stdout.write((process.stdin.isTTY ? "\r" : "") + show(e) + "\n");
    rl.prompt(true);
  });
  client.on("close", () => {
    process.stdout.write("\nconnection closed\n");
    rl.close();
  });
  rl.setPrompt(hmp ? "(wasmvirt) " : "(QEMU) ");
  rl.prompt();
  rl.on("line", (line) => {
    chain = chain.then(async () => {
      const t = line.trim();
      if (t !== "") {
        try {
          fs.appendFileSync(historyFile, t + "\n");
        } catch {
          /* history is best effort */
        }
        try {
          const req = hmp ? { execute: "human-monitor-command", arguments: { "command-line": t } } : parseLine(t);
          const reply = await client.request(req);
          if (hmp && "return" in reply && typeof reply.return === "string")
            process.stdout.write(reply.return.replace(/\r\n/g, "\n"));
          else {
            const { id: _id, ...shown } = reply as Reply & { id?: JsonValue };
            process.stdout.write(show(shown as JsonObject) + "\n");
          }
        } catch (e) {
          process.stdout.write(`error: ${(e as Error).message}\n`);
        }
      }
      rl.prompt();
    });
  });
  await closed;
  await chain;
  client.close();
  return 0;
}
