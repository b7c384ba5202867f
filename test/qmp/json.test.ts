// The streaming JSON parser and serialiser on their own: QEMU's limits, extensions and output format.
import { describe, it, expect } from "vitest";
import { JsonStreamParser, toJson, JsonFloat, MAX_NESTING, type ParsedMessage } from "../../src/qmp/json.js";

function parseAll(...chunks: (string | Buffer)[]): ParsedMessage[] {
  const out: ParsedMessage[] = [];
  const p = new JsonStreamParser((m) => out.push(m));
  for (const c of chunks) p.feed(typeof c === "string" ? Buffer.from(c) : c);
  return out;
}

describe("JsonStreamParser", () => {
  it("completes a message when its brackets balance, across any split", () => {
    const text = '{"execute": "x", "arguments": {"a": [1, {"b": "}"}]}}';
    for (let cut = 1; cut < text.length; cut++) {
      const msgs = parseAll(text.slice(0, cut), text.slice(cut));
      expect(msgs).toHaveLength(1);
      expect(msgs[0].value).toEqual({ execute: "x", arguments: { a: [1, { b: "}" }] } });
    }
  });

  it("accepts depth 1024 and refuses 1025 with QEMU's message", () => {
    expect(parseAll("[".repeat(MAX_NESTING) + "]".repeat(MAX_NESTING))[0].value).toBeDefined();
    expect(parseAll("[".repeat(MAX_NESTING + 1))[0]).toEqual({
      error: { kind: "limit", message: "JSON nesting depth limit exceeded" },
    });
  });

  it("refuses a message over 2M tokens and a token over 64 MiB", () => {
    const many = parseAll("[" + "1,".repeat(1 << 20) + "1]");
    expect(many[0]).toEqual({ error: { kind: "limit", message: "JSON token count limit exceeded" } });
    const big = parseAll('"' + "x".repeat(64 * 1024 * 1024 + 1));
    expect(big[0]).toEqual({ error: { kind: "limit", message: "JSON token size limit exceeded" } });
  });

  it("keeps QEMU's extensions: single quotes, exact 64-bit integers, floats kept apart from integers", () => {
    expect(parseAll("{'a': 'it\\'s'}")[0].value).toEqual({ a: "it's" });
    expect(parseAll('{"n": 18446744073709551615, "m": -9223372036854775808}')[0].value).toEqual({
      n: 18446744073709551615n,
      m: -9223372036854775808n,
    });
    expect(parseAll('{"f": 1e3}')[0].value).toEqual({ f: new JsonFloat(1000) });
  });

  it("rejects what QEMU rejects", () => {
    const err = (s: string) => (parseAll(s)[0] as { error: { message: string } }).error.message;
    expect(err('{"a": "\\u0000"}')).toBe("JSON parse error, \\u0000 is not supported");
    // Surrogates: only a lead followed by a trail is a character (QEMU 7.2's answers, word for word).
    expect(err('{"a": "\\ud800"}')).toBe("JSON parse error, \\ud800 is not a valid Unicode character");
    expect(err('{"a": "\\udc00"}')).toBe("JSON parse error, \\udc00 is not a valid Unicode character");
    expect(err('{"a": "x\\ud800\\u0041"}')).toBe("JSON parse error, \\ud800 is not a valid Unicode character");
    expect(parseAll('{"a": "\\ud83d\\ude00"}')[0].value).toEqual({ a: "\u{1f600}" });
    expect(
      err(Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]) as unknown as string),
    ).toBe("JSON parse error, invalid UTF-8 sequence in string");
    expect(err('{"a" 1}')).toBe("JSON parse error, missing : in object pair");
    expect(err("[1 2]")).toBe("JSON parse error, expected separator in list");
    expect(err("{1: 2}")).toBe("JSON parse error, key is not a string in object");
    expect(err("01\n")).toBe("JSON parse error, stray '01'");
  });
});

describe("toJson", () => {
  it("writes QEMU's layout and escapes", () => {
    expect(toJson({ return: {}, id: [1, "two", null] })).toBe('{"return": {}, "id": [1, "two", null]}');
    expect(toJson('é\u007f\u0001/"\\😀')).toBe('"\\u00E9\\u007F\\u0001/\\"\\\\\\uD83D\\uDE00"');
    expect(toJson(12345678901234567890n)).toBe("12345678901234567890");
    expect(toJson({ a: [1] }, true)).toBe('{\n    "a": [\n        1\n    ]\n}');
  });
});
