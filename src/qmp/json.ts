// Streaming JSON for QMP, modelled on the behaviour of QEMU's json-lexer/json-streamer/json-parser
// (not its code): bytes are lexed into tokens as they arrive, a message is complete when its braces
// and brackets balance (or go negative), and errors resynchronise the way QEMU's do, so that a client
// sees the same number of replies for the same garbage. QEMU's extensions are kept: single-quoted
// strings, and integers beyond 2^53 keep their exact value (as BigInt).

/** Limits of QEMU's json-streamer. */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;
export const MAX_NESTING = 1024;

/** A JSON number written with a fraction or an exponent: "1e3" is not an integer for QMP's "int". */
export class JsonFloat {
  constructor(readonly value: number) {}
}

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonFloat
  | JsonValue[]
  | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

/** How a message failed: `syntax` is malformed JSON, `limit` is valid JSON over QEMU's limits. */
export interface JsonError {
  kind: "syntax" | "limit";
  message: string;
}

export type ParsedMessage = { value: JsonValue; error?: undefined } | { value?: undefined; error: JsonError };

enum Tok {
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Comma,
  Colon,
  String,
  Integer,
  Float,
  Keyword,
  Error,
}

interface Token {
  type: Tok;
  text: Buffer;
}

enum St {
  Start,
  Whitespace,
  Recovery,
  DqString,
  DqEscape,
  DqHex1,
  DqHex2,
  DqHex3,
  DqHex4,
  SqString,
  SqEscape,
  SqHex1,
  SqHex2,
  SqHex3,
  SqHex4,
  Zero,
  Neg,
  NonZero,
  Dot,
  Frac,
  Exp,
  ExpSign,
  ExpDigits,
  Keyword,
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;

/**
 * Feed bytes with `feed`; every complete top-level value (or error) is passed to `emit`, in order.
 * One instance per connection.
 */
export class JsonStreamParser {
  private state = St.Start;
  // The token being lexed, in a growable byte buffer (a number[] would cost 8 bytes a byte).
  private tokBuf = Buffer.allocUnsafe(256);
  private tokLen = 0;
  private tokens: Token[] = [];
  private brace = 0;
  private bracket = 0;
  private tokenSize = 0;

  constructor(private readonly emit: (msg: ParsedMessage) => void) {}

  feed(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.feedByte(data[i]);
  }

  /** End of input: a pending number or keyword is complete, anything else unterminated is dropped. */
  flush(): void {
    this.feedByte(-1);
    if (this.tokens.length > 0) this.complete();
  }

  private feedByte(c: number): void {
    // Lookahead states re-run the same byte in the start state after emitting a token.
    for (;;) {
      const again = this.step(c);
      if (!again) break;
    }
    if (this.tokLen > MAX_TOKEN_SIZE) {
      this.fail("limit", "JSON token size limit exceeded");
      this.tokLen = 0;
      this.state = St.Start;
    }
  }

  /** Returns true when `c` must be processed again (after the state changed back to Start). */
  private step(c: number): boolean {
    const s = this.state;
    switch (s) {
      case St.Start:
        if (c < 0) return false;
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) return false;
        this.push(c);
        switch (c) {
          case 0x7b:
            return this.token(Tok.LCurly);
          case 0x7d:
            return this.token(Tok.RCurly);
          case 0x5b:
            return this.token(Tok.LSquare);
          case 0x5d:
            return this.token(Tok.RSquare);
          case 0x2c:
            return this.token(Tok.Comma);
          case 0x3a:
            return this.token(Tok.Colon);
          case 0x22:
            this.state = St.DqString;
            return false;
          case 0x27:
            this.state = St.SqString;
            return false;
          case 0x30:
            this.state = St.Zero;
            return false;
          case 0x2d:
            this.state = St.Neg;
            return false;
        }
        if (isDigit(c)) {
          this.state = St.NonZero;
          return false;
        }
        if (isLower(c)) {
          this.state = St.Keyword;
          return false;
        }
        return this.error();
      case St.Recovery:
        // Skip until a structural character, a control character or an impossible UTF-8 byte.
        if (c < 0) {
          this.state = St.Start;
          return false;
        }
        if ((c < 0x20 && c !== 0x09) || c >= 0xfe || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) {
          this.state = St.Start;
          return true;
        }
        return false;
      case St.DqString:
      case St.SqString: {
        const quote = s === St.DqString ? 0x22 : 0x27;
        if (c < 0) return this.error();
        this.push(c);
        if (c === quote) return this.token(Tok.String, false);
        if (c === 0x5c) {
          this.state = s === St.DqString ? St.DqEscape : St.SqEscape;
          return false;
        }
        if (c < 0x20 || c >= 0xfe) return this.error();
        return false;
      }
      case St.DqEscape:
      case St.SqEscape: {
        const dq = s === St.DqEscape;
        if (c < 0) return this.error();
        this.push(c);
        if (c === 0x75) {
          this.state = dq ? St.DqHex1 : St.SqHex1;
          return false;
        }
        if (
          c === 0x22 ||
          c === 0x27 ||
          c === 0x5c ||
          c === 0x2f ||
          c === 0x62 ||
          c === 0x66 ||
          c === 0x6e ||
          c === 0x72 ||
          c === 0x74
        ) {
          this.state = dq ? St.DqString : St.SqString;
          return false;
        }
        return this.error();
      }
      case St.DqHex1:
      case St.DqHex2:
      case St.DqHex3:
      case St.DqHex4:
      case St.SqHex1:
      case St.SqHex2:
      case St.SqHex3:
      case St.SqHex4: {
        if (c < 0) return this.error();
        this.push(c);
        if (!isHex(c)) return this.error();
        if (s === St.DqHex4) this.state = St.DqString;
        else if (s === St.SqHex4) this.state = St.SqString;
        else this.state = s + 1;
        return false;
      }
      case St.Zero:
        if (c === 0x2e) {
          this.push(c);
          this.state = St.Dot;
          return false;
        }
        if (c === 0x65 || c === 0x45) {
          this.push(c);
          this.state = St.Exp;
          return false;
        }
        if (isDigit(c)) {
          this.push(c);
          return this.error();
        }
        return this.token(Tok.Integer, true);
      case St.Neg:
        if (c === 0x30) {
          this.push(c);
          this.state = St.Zero;
          return false;
        }
        if (isDigit(c)) {
          this.push(c);
          this.state = St.NonZero;
          return false;
        }
        if (c >= 0) this.push(c);
        return this.error();
      case St.NonZero:
        if (isDigit(c)) {
          this.push(c);
          return false;
        }
        if (c === 0x2e) {
          this.push(c);
          this.state = St.Dot;
          return false;
        }
        if (c === 0x65 || c === 0x45) {
          this.push(c);
          this.state = St.Exp;
          return false;
        }
        return this.token(Tok.Integer, true);
      case St.Dot:
        if (isDigit(c)) {
          this.push(c);
          this.state = St.Frac;
          return false;
        }
        if (c >= 0) this.push(c);
        return this.error();
      case St.Frac:
        if (isDigit(c)) {
          this.push(c);
          return false;
        }
        if (c === 0x65 || c === 0x45) {
          this.push(c);
          this.state = St.Exp;
          return false;
        }
        return this.token(Tok.Float, true);
      case St.Exp:
        if (c === 0x2b || c === 0x2d) {
          this.push(c);
          this.state = St.ExpSign;
          return false;
        }
        if (isDigit(c)) {
          this.push(c);
          this.state = St.ExpDigits;
          return false;
        }
        if (c >= 0) this.push(c);
        return this.error();
      case St.ExpSign:
        if (isDigit(c)) {
          this.push(c);
          this.state = St.ExpDigits;
          return false;
        }
        if (c >= 0) this.push(c);
        return this.error();
      case St.ExpDigits:
        if (isDigit(c)) {
          this.push(c);
          return false;
        }
        return this.token(Tok.Float, true);
      case St.Keyword:
        if (isLower(c)) {
          this.push(c);
          return false;
        }
        return this.token(Tok.Keyword, true);
      default:
        return false;
    }
  }

  private push(c: number): void {
    if (this.tokLen === this.tokBuf.length) {
      const bigger = Buffer.allocUnsafe(this.tokBuf.length * 2);
      this.tokBuf.copy(bigger, 0, 0, this.tokLen);
      this.tokBuf = bigger;
    }
    this.tokBuf[this.tokLen++] = c;
  }

  private takeToken(): Buffer {
    const text = Buffer.from(this.tokBuf.subarray(0, this.tokLen));
    this.tokLen = 0;
    if (this.tokBuf.length > 65536) this.tokBuf = Buffer.allocUnsafe(256); // give back a huge buffer
    return text;
  }

  /** Emit the current token; `lookahead` means the current byte is not part of it. */
  private token(type: Tok, lookahead = false): boolean {
    const text = this.takeToken();
    this.state = St.Start;
    this.processToken({ type, text });
    return lookahead;
  }

  private error(): boolean {
    const text = this.takeToken();
    this.state = St.Recovery;
    this.processToken({ type: Tok.Error, text });
    return false;
  }

  private processToken(t: Token): void {
    switch (t.type) {
      case Tok.LCurly:
        this.brace++;
        break;
      case Tok.RCurly:
        this.brace--;
        break;
      case Tok.LSquare:
        this.bracket++;
        break;
      case Tok.RSquare:
        this.bracket--;
        break;
      case Tok.Error:
        this.fail("syntax", `JSON parse error, stray '${t.text.toString("utf8")}'`);
        return;
    }
    if (this.tokenSize + t.text.length + 1 > MAX_TOKEN_SIZE) {
      this.fail("limit", "JSON token size limit exceeded");
      return;
    }
    if (this.tokens.length + 1 > MAX_TOKEN_COUNT) {
      this.fail("limit", "JSON token count limit exceeded");
      return;
    }
    if (this.brace + this.bracket > MAX_NESTING) {
      this.fail("limit", "JSON nesting depth limit exceeded");
      return;
    }
    this.tokens.push(t);
    this.tokenSize += t.text.length;
    if ((this.brace > 0 || this.bracket > 0) && this.brace >= 0 && this.bracket >= 0) return;
    this.complete();
  }

  private complete(): void {
    const tokens = this.tokens;
    this.reset();
    let msg: ParsedMessage;
    try {
      msg = { value: new TokenParser(tokens).parseMessage() };
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      msg = { error: { kind: "syntax", message: "JSON parse error, " + e.message } };
    }
    this.emit(msg);
  }

  private fail(kind: JsonError["kind"], message: string): void {
    this.reset();
    this.emit({ error: { kind, message } });
  }

  private reset(): void {
    this.tokens = [];
    this.brace = 0;
    this.bracket = 0;
    this.tokenSize = 0;
  }
}

class ParseError extends Error {}

/** QEMU formats parse errors into a 1024-byte buffer: long messages are cut to 1023 characters. */
function parseError(message: string): ParseError {
  return new ParseError(message.length > 1023 ? message.slice(0, 1023) : message);
}

class TokenParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseMessage(): JsonValue {
    const v = this.parseValue();
    if (this.pos < this.tokens.length) throw parseError("expecting value");
    return v;
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }
  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private parseValue(): JsonValue {
    const t = this.next();
    if (!t) throw parseError("expecting value");
    switch (t.type) {
      case Tok.LCurly:
        return this.parseObject();
      case Tok.LSquare:
        return this.parseArray();
      case Tok.String:
        return decodeString(t.text);
      case Tok.Integer:
        return decodeInteger(t.text.toString("latin1"));
      case Tok.Float:
        return new JsonFloat(Number(t.text.toString("latin1")));
      case Tok.Keyword: {
        const k = t.text.toString("latin1");
        if (k === "true") return true;
        if (k === "false") return false;
        if (k === "null") return null;
        throw parseError(`invalid keyword '${k}'`);
      }
      default:
        throw parseError("expecting value");
    }
  }

  private parseObject(): JsonObject {
    const obj: JsonObject = Object.create(null);
    let t = this.peek();
    if (t && t.type === Tok.RCurly) {
      this.pos++;
      return obj;
    }
    for (;;) {
      const key = this.parseValue();
      if (typeof key !== "string") throw parseError("key is not a string in object");
      t = this.next();
      if (!t || t.type !== Tok.Colon) throw parseError("missing : in object pair");
      const value = this.parseValue();
      if (Object.hasOwn(obj, key)) throw parseError("duplicate key");
      obj[key] = value;
      t = this.next();
      if (!t) throw parseError("premature EOI");
      if (t.type === Tok.RCurly) return obj;
      if (t.type !== Tok.Comma) throw parseError("expected separator in dict");
    }
  }

  private parseArray(): JsonValue[] {
    const arr: JsonValue[] = [];
    let t = this.peek();
    if (t && t.type === Tok.RSquare) {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.parseValue());
      t = this.next();
      if (!t) throw parseError("premature EOI");
      if (t.type === Tok.RSquare) return arr;
      if (t.type !== Tok.Comma) throw parseError("expected separator in list");
    }
  }
}

const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

function decodeInteger(text: string): number | bigint | JsonFloat {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  const b = BigInt(text);
  if (b >= INT64_MIN && b <= UINT64_MAX) return b;
  return new JsonFloat(n); // QEMU falls back to a double, as do we
}

/** Decode a lexed string token (quotes included); the bytes are UTF-8, escapes as JSON's. */
function decodeString(raw: Buffer): string {
  const body = raw.subarray(1, raw.length - 1);
  // Validate UTF-8 strictly: QEMU rejects invalid sequences in strings.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw parseError("invalid UTF-8 sequence in string");
  }
  if (text.indexOf("\\") < 0) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = text[++i];
    switch (e) {
      case '"':
        out += '"';
        break;
      case "'":
        out += "'";
        break;
      case "\\":
        out += "\\";
        break;
      case "/":
        out += "/";
        break;
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "u": {
        const begin = i - 1;
        const cp = parseInt(text.slice(i + 1, i + 5), 16);
        i += 4;
        if (cp === 0) throw parseError("\\u0000 is not supported");
        // A surrogate is a character only as a lead followed by a trail (QEMU's parse_string): a lone
        // one, either half, is "not a valid Unicode character".
        if (cp >= 0xd800 && cp <= 0xdbff && text[i + 1] === "\\" && text[i + 2] === "u") {
          const trail = parseInt(text.slice(i + 3, i + 7), 16);
          if (trail >= 0xdc00 && trail <= 0xdfff) {
            out += String.fromCharCode(cp, trail);
            i += 6;
            break;
          }
        }
        if (cp >= 0xd800 && cp <= 0xdfff)
          throw parseError(`${text.slice(begin, i + 1)} is not a valid Unicode character`);
        out += String.fromCharCode(cp);
        break;
      }
      default:
        throw parseError("invalid escape sequence in string");
    }
  }
  return out;
}

/**
 * Serialise like QEMU's qobject_to_json: `{"a": 1, "b": [1, 2]}` with ", " and ": ", every character
 * outside printable ASCII escaped as \uXXXX (upper-case hex), BigInt integers exact.
 */
export function toJson(v: JsonValue | undefined, pretty = false, indent = 0): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return formatNumber(v);
    case "bigint":
      return v.toString();
    case "string":
      return quote(v);
  }
  if (v instanceof JsonFloat) return formatNumber(v.value);
  const nl = pretty ? "\n" + "    ".repeat(indent + 1) : "";
  const end = pretty ? "\n" + "    ".repeat(indent) : "";
  const sep = pretty ? "," : ", ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return "[" + nl + v.map((x) => toJson(x, pretty, indent + 1)).join(sep + nl) + end + "]";
  }
  const keys = Object.keys(v).filter((k) => (v as JsonObject)[k] !== undefined);
  if (keys.length === 0) return "{}";
  return (
    "{" +
    nl +
    keys.map((k) => quote(k) + ": " + toJson((v as JsonObject)[k], pretty, indent + 1)).join(sep + nl) +
    end +
    "}"
  );
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "null";
  return String(n);
}

/** Characters that go out as they are: printable ASCII except the quote and the backslash. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quote(s: string): string {
  // Most strings need no escaping; long ones (an echoed 1 MiB id) must not be built a character at a time.
  if (PLAIN.test(s)) return '"' + s + '"';
  let out = '"';
  let run = 0; // start of the current run of plain characters
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    if (run < i) out += s.slice(run, i);
    run = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += "\\\\";
        continue;
      case 0x08:
        out += "\\b";
        continue;
      case 0x0c:
        out += "\\f";
        continue;
      case 0x0a:
        out += "\\n";
        continue;
      case 0x0d:
        out += "\\r";
        continue;
      case 0x09:
        out += "\\t";
        continue;
    }
    out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
  }
  if (run < s.length) out += s.slice(run);
  return out + '"';
}
