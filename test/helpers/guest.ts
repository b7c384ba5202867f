// Drives a real wasmvirt process through its serial console, expect-style, as a user at
// the terminal would: wait for text, type a line, read what came back.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const wasmvirtBin = join(repoRoot, "bin", "wasmvirt.js");
export const wasmvirtBuilt =
  existsSync(join(repoRoot, "dist", "cli.js")) && existsSync(join(repoRoot, "build", "core.wasm"));

export class GuestProcess {
  readonly proc: ChildProcess;
  output = "";
  stderr = "";
  private cursor = 0;
  readonly exited: Promise<number | null>;

  constructor(args: string[], opts: { cwd?: string } = {}) {
    this.proc = spawn(process.execPath, [wasmvirtBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.proc.stdout!.on("data", (d: Buffer) => {
      this.output += d.toString("latin1");
    });
    this.proc.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
  }

  /** Waits until `pattern` appears after the last match; returns the text up to and including it. */
  async waitFor(pattern: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.output.slice(this.cursor);
      const m =
        typeof pattern === "string"
          ? rest.includes(pattern)
            ? { index: rest.indexOf(pattern), 0: pattern }
            : null
          : pattern.exec(rest);
      if (m) {
        const end = this.cursor + m.index! + m[0].length;
        const text = this.output.slice(this.cursor, end);
        this.cursor = end;
        return text;
      }
      if (this.proc.exitCode !== null)
        throw new Error(
          `wasmvirt exited (${this.proc.exitCode}) before ${pattern}; output tail:\n${this.output.slice(-2000)}\n${this.stderr}`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; output tail:\n${this.output.slice(-2000)}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  type(text: string): void {
    this.proc.stdin!.write(text);
  }

  /** Types a command at the shell prompt and returns its output (between two marker lines the shell prints). */
  async run(command: string, prompt = "root@wasmvirt:~# ", timeoutMs = 60_000): Promise<string> {
    const tag = Math.random().toString(36).slice(2, 8);
    const begin = `B${tag}`,
      end = `E${tag}`;
    this.type(`echo ${begin}; ${command}; echo ${end}\n`);
    const text = await this.waitFor(new RegExp(`\\n${end}\\r?\\n`), timeoutMs);
    await this.waitFor(prompt, timeoutMs);
    const lines = text.split(/\r?\n/);
    const from = lines.lastIndexOf(begin);
    return lines.slice(from + 1, lines.length - 2).join("\n");
  }

  async exit(timeoutMs = 30_000): Promise<number | null> {
    const t = setTimeout(() => this.proc.kill("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}
