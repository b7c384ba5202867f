// QEMU's option syntax, one parser for the command line and the monitor options.
import { describe, expect, it } from "vitest";
import { parseOnOff, parseProps, splitOptions } from "../src/option-props.js";
import { parseArgs, type CliConfig } from "../src/cli.js";
import { collectMonitorSpecs, MonitorOptionError } from "../src/qmp/options.js";

const cli = (...argv: string[]) => parseArgs(argv) as CliConfig;

describe("option properties", () => {
  it("split at single commas; ',,' is a comma inside a value, as in QEMU", () => {
    expect(splitOptions("file=a,,b.img,format=raw")).toEqual(["file=a,b.img", "format=raw"]);
    expect(splitOptions("virt")).toEqual(["virt"]);
    expect(splitOptions("a,,,b")).toEqual(["a,", "b"]);
    expect(splitOptions("")).toEqual([""]);
  });

  it("bare words are on, nowait/noserver are off, key=value is kept as written", () => {
    const p = parseProps(["server", "nowait", "id=m", "", "path=/x=y"]);
    expect([...p]).toEqual([
      ["server", undefined],
      ["wait", "off"],
      ["id", "m"],
      ["path", "/x=y"],
    ]);
    expect([undefined, "on", "yes", "true", "off", "no", "false", "maybe"].map(parseOnOff)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      undefined,
    ]);
  });

  it("mean the same on the command line and in monitor options", () => {
    const c = cli("-drive", "file=/img/a,,b.raw,format=raw,readonly=on", "-M", "virt,dumpdtb=/tmp/x,,y.dtb");
    expect(c.machine.drives[0]).toMatchObject({ file: "/img/a,b.raw", readOnly: true });
    expect(c.machine.dumpDtb).toBe("/tmp/x,y.dtb");
    expect(cli("-drive", "file=/a.raw,readonly").machine.drives[0].readOnly).toBe(true);
    expect(() => cli("-drive", "file=/a.raw,readonly=maybe")).toThrow(
      "-drive file=/a.raw,readonly=maybe: Parameter 'readonly' expects 'on' or 'off'",
    );
    expect(() => cli("-accel", "tcg,one-insn-per-tb=sometimes")).toThrow(
      "-accel tcg,one-insn-per-tb=sometimes: Parameter 'one-insn-per-tb' expects 'on' or 'off'",
    );
    expect(collectMonitorSpecs([["-qmp", "unix:/tmp/q,,1.sock,server,nowait"]])[0].transport).toEqual({
      kind: "unix",
      path: "/tmp/q,1.sock",
      server: true,
      wait: false,
    });
    expect(() => collectMonitorSpecs([["-qmp", "unix:/tmp/q.sock,server=maybe"]])).toThrow(
      new MonitorOptionError("Parameter 'server' expects 'on' or 'off'"),
    );
  });
});
