// The host's one strerror table: every "Could not open 'x': ..." message words the error as QEMU does.
import { describe, expect, it } from "vitest";
import { openSync } from "node:fs";
import { strerror } from "../../src/errno.js";

describe("strerror", () => {
  it("gives glibc's text for the codes Node reports, and the error's own message otherwise", () => {
    let err: unknown;
    try {
      openSync("/nonexistent/dir/x", "r");
    } catch (e) {
      err = e;
    }
    expect(strerror(err)).toBe("No such file or directory");
    expect(strerror(Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }))).toBe(
      "Address already in use",
    );
    expect(strerror(Object.assign(new Error("odd failure"), { code: "EWHATEVER" }))).toBe("odd failure");
    expect(strerror(Object.assign(new Error("proto"), { code: "toString" }))).toBe("proto");
    expect(strerror("plain text")).toBe("plain text");
    expect(strerror(undefined)).toBe("undefined");
  });
});
