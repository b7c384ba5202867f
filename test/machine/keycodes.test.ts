// The QKeyCode table: the QMP schema's enum and the virtio keyboard's translation read it.
import { describe, expect, it } from "vitest";
import { QKEY_CODES, qcodeToLinux } from "../../src/machine/keycodes.js";
import { COMMAND_BY_NAME } from "../../src/qmp/commands.js";

describe("qcodes", () => {
  it("translate to the Linux key codes a keyboard reports (KEY_A = 30, KEY_MUTE = 113, KEY_POWER = 116)", () => {
    expect(qcodeToLinux("a")).toBe(30);
    expect(qcodeToLinux("q")).toBe(16);
    expect(qcodeToLinux("z")).toBe(44);
    expect(qcodeToLinux("ret")).toBe(28);
    expect(qcodeToLinux("power")).toBe(116);
    // QEMU's name for the mute key is audiomute ("mute" is no QKeyCode).
    expect(qcodeToLinux("audiomute")).toBe(113);
    expect(qcodeToLinux("mute")).toBeUndefined();
    expect(qcodeToLinux("unmapped")).toBeUndefined();
    expect(qcodeToLinux("toString")).toBeUndefined();
  });

  it("input-send-event accepts exactly the table's names, in QEMU's enum order", () => {
    expect(new Set(QKEY_CODES).size).toBe(QKEY_CODES.length);
    expect(QKEY_CODES.slice(0, 5)).toEqual(["unmapped", "pause", "ro", "kp_comma", "kp_equals"]);
    const text = JSON.stringify(COMMAND_BY_NAME.get("input-send-event")!.args);
    const values = /"name":"QKeyCode","values":(\[[^\]]*\])/.exec(text);
    expect(values && JSON.parse(values[1])).toEqual(QKEY_CODES);
  });
});
