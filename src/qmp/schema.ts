// Argument types of QMP commands, declared as data. One description serves validation (with QEMU's
// error texts) and introspection (query-qmp-schema's SchemaInfo entries).
import { JsonFloat, type JsonObject, type JsonValue } from "./json.js";

export type BuiltinName = "str" | "int" | "number" | "bool" | "any" | "null";

export type SchemaType =
  | { kind: "builtin"; name: BuiltinName; uint64?: boolean }
  | { kind: "enum"; name: string; values: readonly string[] }
  | { kind: "array"; element: SchemaType }
  | { kind: "object"; name: string; members: readonly Member[] }
  // A flat union: `tag` selects which extra members apply (QAPI's discriminated union).
  | {
      kind: "union";
      name: string;
      tag: string;
      tagEnum: SchemaType & { kind: "enum" };
      variants: Readonly<Record<string, SchemaType & { kind: "object" }>>;
    };

export interface Member {
  name: string;
  type: SchemaType;
  optional?: boolean;
}

export const T = {
  str: { kind: "builtin", name: "str" } as SchemaType,
  int: { kind: "builtin", name: "int" } as SchemaType,
  uint64: { kind: "builtin", name: "int", uint64: true } as SchemaType,
  number: { kind: "builtin", name: "number" } as SchemaType,
  bool: { kind: "builtin", name: "bool" } as SchemaType,
  any: { kind: "builtin", name: "any" } as SchemaType,
  enumOf: (name: string, values: readonly string[]) =>
    ({ kind: "enum", name, values }) as SchemaType & { kind: "enum" },
  arrayOf: (element: SchemaType) => ({ kind: "array", element }) as SchemaType,
  object: (name: string, members: Member[]) => ({ kind: "object", name, members }) as SchemaType & { kind: "object" },
};

export const EMPTY = T.object("empty", []);

/** A validation failure with QEMU's text; always class GenericError. */
export class ArgumentError extends Error {}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function typeWord(t: SchemaType): string {
  switch (t.kind) {
    case "builtin":
      return { str: "string", int: "integer", number: "number", bool: "boolean", any: "any", null: "null" }[t.name];
    case "enum":
      return "string";
    case "array":
      return "array";
    default:
      return "object";
  }
}

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonFloat);

/**
 * Check `value` against `type` and return it normalised (integers as bigint for uint64 members,
 * numbers otherwise). Errors use QEMU's wording; `path` is QEMU's "full name" of the member.
 */
export function validate(type: SchemaType, value: JsonValue | undefined, path: string, name: string | null): unknown {
  const bad = () => new ArgumentError(`Invalid parameter type for '${path}', expected: ${typeWord(type)}`);
  switch (type.kind) {
    case "builtin":
      switch (type.name) {
        case "str":
          if (typeof value !== "string") throw bad();
          return value;
        case "bool":
          if (typeof value !== "boolean") throw bad();
          return value;
        case "any":
          return value;
        case "null":
          if (value !== null) throw bad();
          return null;
        case "number":
          if (typeof value === "number") return value;
          if (typeof value === "bigint") return Number(value);
          if (value instanceof JsonFloat) return value.value;
          throw bad();
        case "int": {
          let b: bigint;
          if (typeof value === "number") b = BigInt(value);
          else if (typeof value === "bigint") b = value;
          else throw bad();
          if (b < INT64_MIN || b > INT64_MAX) throw bad();
          if (type.uint64) return b < 0n ? b + (1n << 64n) : b;
          return Number(b);
        }
      }
      throw bad();
    case "enum":
      if (typeof value !== "string") throw bad();
      if (!type.values.includes(value)) {
        throw new ArgumentError(`Parameter '${name ?? "null"}' does not accept value '${value}'`);
      }
      return value;
    case "array": {
      if (!Array.isArray(value)) throw bad();
      return value.map((v, i) => validate(type.element, v, `${path}[${i}]`, null));
    }
    case "object": {
      if (!isObject(value)) throw bad();
      return validateMembers(type.members, value, path ? path + "." : "");
    }
    case "union": {
      if (!isObject(value)) throw bad();
      const prefix = path ? path + "." : "";
      const tag = validateMembers([{ name: type.tag, type: type.tagEnum }], { [type.tag]: value[type.tag] }, prefix);
      const variant = type.variants[tag[type.tag] as string];
      const rest: JsonObject = { ...value };
      delete rest[type.tag];
      return { ...validateMembers(variant.members, rest, prefix), ...tag };
    }
  }
}

function validateMembers(members: readonly Member[], value: JsonObject, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of members) {
    const v = value[m.name];
    if (v === undefined) {
      if (!m.optional) throw new ArgumentError(`Parameter '${prefix}${m.name}' is missing`);
      continue;
    }
    out[m.name] = validate(m.type, v, prefix + m.name, m.name);
  }
  for (const k of Object.keys(value)) {
    if (!members.some((m) => m.name === k)) throw new ArgumentError(`Parameter '${prefix}${k}' is unexpected`);
  }
  return out;
}

/** Validate a command's `arguments` object (already known to be an object or absent). */
export function validateArguments(
  type: SchemaType & { kind: "object" },
  args: JsonObject | undefined,
): Record<string, unknown> {
  return validateMembers(type.members, args ?? {}, "");
}

/**
 * Builds query-qmp-schema's SchemaInfo list. Like QEMU, non-builtin type names are masked as
 * numbers; identical types share one entry.
 */
export class SchemaIntrospector {
  private readonly entries: JsonObject[] = [];
  private readonly names = new Map<string, string>();

  constructor() {
    for (const [name, json] of [
      ["str", "string"],
      ["int", "int"],
      ["number", "number"],
      ["bool", "boolean"],
      ["any", "value"],
      ["null", "null"],
    ] as const) {
      this.entries.push({ name, "meta-type": "builtin", "json-type": json });
    }
  }

  addCommand(name: string, args: SchemaType, ret: SchemaType, allowOob: boolean): void {
    const e: JsonObject = { name, "meta-type": "command", "arg-type": this.ref(args), "ret-type": this.ref(ret) };
    if (allowOob) e["allow-oob"] = true;
    this.entries.push(e);
  }

  addEvent(name: string, data: SchemaType): void {
    this.entries.push({ name, "meta-type": "event", "arg-type": this.ref(data) });
  }

  result(): JsonObject[] {
    return this.entries;
  }

  private ref(t: SchemaType): string {
    if (t.kind === "builtin") return t.name;
    const key = JSON.stringify(t);
    const known = this.names.get(key);
    if (known !== undefined) return known;
    if (t.kind === "array") {
      const elem = this.ref(t.element);
      const name = `[${elem}]`;
      this.names.set(key, name);
      this.entries.push({ name, "meta-type": "array", "element-type": elem });
      return name;
    }
    // Reserve the number first so recursive references terminate.
    const name = String(this.names.size);
    this.names.set(key, name);
    if (t.kind === "enum") {
      this.entries.push({
        name,
        "meta-type": "enum",
        values: [...t.values],
        members: t.values.map((v) => ({ name: v })),
      });
    } else if (t.kind === "object") {
      this.entries.push({ name, "meta-type": "object", members: t.members.map((m) => this.member(m)) });
    } else {
      const entry: JsonObject = {
        name,
        "meta-type": "object",
        tag: t.tag,
        members: [this.member({ name: t.tag, type: t.tagEnum })],
      };
      entry.variants = Object.entries(t.variants).map(([case_, v]) => ({ case: case_, type: this.ref(v) }));
      this.entries.push(entry);
    }
    return name;
  }

  private member(m: Member): JsonObject {
    const out: JsonObject = { name: m.name, type: this.ref(m.type) };
    if (m.optional) out.default = null;
    return out;
  }
}
