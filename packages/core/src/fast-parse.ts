/**
 * A faster first look at a record, compiled from the same zod schema that judges it: it only ever
 * says "valid, and this is what zod would make of it" or "ask zod" (undefined), never "invalid",
 * so every record that fails, and every schema it cannot read (refinements, arrays, records,
 * defaults left out, unknown keys to strip), gets zod's verdict and zod's reasons. zod's generic
 * machinery (a payload and an issue list per field, checks run through a loop) was two thirds of
 * decoding a pod event, 2-3 µs of a replay's ~13 µs per event.
 *
 * What it accepts, it accepts by zod's rules as zod 4 applies them: `typeof` checks, string length
 * in code points (only where units and code points cannot differ), regex patterns, safe integers
 * and bounds, enums and literals, optional keys that are absent. Its output is zod's: a value that
 * needs no change is returned as it is; an object whose keys are out of the schema's order is
 * rebuilt in that order, as zod's output would be.
 */
export type FastParse = (value: unknown) => unknown;

/** What a compiled check answers when it cannot vouch for a value: zod must decide. */
const ASK_ZOD = Symbol('ask zod');
type Check = (value: unknown) => unknown;
const askZod: Check = () => ASK_ZOD;

/** The parts of a zod 4 schema this reads (`schema._zod`), written out rather than typed `any`. */
interface SchemaLike {
  _zod: { def: SchemaDef; values?: ReadonlySet<unknown>; optin?: string; optout?: string };
}
interface SchemaDef {
  type: string;
  coerce?: boolean;
  format?: string;
  checks?: readonly { _zod: { def: CheckDef } }[];
  shape?: Record<string, SchemaLike>;
  catchall?: SchemaLike;
  innerType?: SchemaLike;
  options?: readonly SchemaLike[];
  discriminator?: string;
  unionFallback?: boolean;
}
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: unknown;
  inclusive?: boolean;
}

/** Compiles `schema`; the function returns zod's output for a value it vouches for, else undefined. */
export function compileFastParse(schema: unknown): FastParse {
  const check = compile(schema as SchemaLike);
  return (value) => {
    const result = check(value);
    return result === ASK_ZOD ? undefined : result;
  };
}

function compile(schema: SchemaLike): Check {
  const def = schema._zod.def;
  if (def.coerce) return askZod;
  switch (def.type) {
    // A string format (z.email(), z.iso.datetime()) is its own check, not one in `checks`.
    case 'string':
      return def.format === undefined ? compileString(def.checks ?? []) : askZod;
    case 'number':
      return compileNumber(def.checks ?? []);
    case 'boolean':
      return def.checks?.length ? askZod : (v) => (typeof v === 'boolean' ? v : ASK_ZOD);
    case 'enum':
    case 'literal': {
      const values = schema._zod.values;
      if (!values || def.checks?.length) return askZod;
      return (v) => (values.has(v) ? v : ASK_ZOD);
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return (v) => (v === null ? null : inner(v));
    }
    // Present: the inner schema's verdict. Absent: the enclosing object's to decide (compileObject).
    case 'optional':
    case 'default':
      return def.checks?.length ? askZod : compile(def.innerType!);
    case 'object':
      return compileObject(def);
    case 'union':
      return compileDiscriminatedUnion(def);
    default:
      return askZod;
  }
}

function compileString(checks: readonly { _zod: { def: CheckDef } }[]): Check {
  let min = 0;
  let max = Infinity;
  const patterns: RegExp[] = [];
  for (const { _zod } of checks) {
    const c = _zod.def;
    if (c.check === 'min_length' && c.minimum !== undefined) min = Math.max(min, c.minimum);
    else if (c.check === 'max_length' && c.maximum !== undefined) max = Math.min(max, c.maximum);
    else if (c.check === 'string_format' && c.format === 'regex' && c.pattern) patterns.push(c.pattern);
    else return askZod;
  }
  return (v) => {
    if (typeof v !== 'string') return ASK_ZOD;
    const units = v.length;
    // zod counts code points: one or two units each. Fewer units than max always fit; at least
    // twice min always reach it; in between only a string without surrogate pairs is sure.
    if (units > max || units < min || (units < 2 * min && HIGH_SURROGATE.test(v))) return ASK_ZOD;
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      if (!pattern.test(v)) return ASK_ZOD;
    }
    return v;
  };
}
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

function compileNumber(checks: readonly { _zod: { def: CheckDef } }[]): Check {
  const passes: ((v: number) => boolean)[] = [];
  for (const { _zod } of checks) {
    const { check, format, value: bound, inclusive } = _zod.def;
    if (check === 'number_format' && format === 'safeint') passes.push(Number.isSafeInteger);
    else if (check === 'greater_than' && typeof bound === 'number') passes.push(inclusive ? (v) => v >= bound : (v) => v > bound);
    else if (check === 'less_than' && typeof bound === 'number') passes.push(inclusive ? (v) => v <= bound : (v) => v < bound);
    else return askZod;
  }
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return ASK_ZOD;
    for (const pass of passes) if (!pass(v)) return ASK_ZOD;
    return v;
  };
}

interface Field {
  key: string;
  check: Check;
  /** zod leaves an absent key out of its output (`.optional()`); any other absence is for zod. */
  mayBeAbsent: boolean;
  /** Its place in the schema's order, and its bit in a mask of the fields seen. */
  index: number;
  bit: number;
}

/** A plain object with the schema's keys only (zod would strip others: it decides those). */
function compileObject(def: SchemaDef): Check {
  if (def.catchall !== undefined || def.checks?.length || !def.shape) return askZod;
  const fields: Field[] = Object.entries(def.shape).map(([key, schema], index) => ({
    key,
    check: compile(schema),
    mayBeAbsent: schema._zod.def.type === 'optional' && schema._zod.optin === 'optional' && schema._zod.optout === 'optional',
    index,
    bit: 2 ** index,
  }));
  // zod reads a key with `in`, which sees an inherited one (`constructor`); and a mask needs few fields.
  if (fields.length > 30 || fields.some(({ key }) => key in Object.prototype)) return askZod;
  const byKey = new Map(fields.map((field) => [field.key, field]));
  const required = fields.filter((field) => !field.mayBeAbsent).reduce((mask, field) => mask | field.bit, 0);
  const optional = fields.filter((field) => field.mayBeAbsent);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return ASK_ZOD;
    const input = v as Record<string, unknown>;
    // One pass over the record's own keys: each must be the schema's, its value valid.
    let seen = 0;
    let last = -1;
    let same = true;
    for (const key in input) {
      const field = byKey.get(key);
      if (field === undefined || !Object.hasOwn(input, key)) return ASK_ZOD;
      const value = input[key];
      const result = field.check(value);
      if (result === ASK_ZOD) return ASK_ZOD;
      if (result !== value || field.index < last) same = false;
      last = field.index;
      seen |= field.bit;
    }
    if ((seen & required) !== required) return ASK_ZOD;
    for (const { key, bit } of optional) if ((seen & bit) === 0 && key in input) return ASK_ZOD;
    if (same) return input;
    // Rare (a writer's key order, a nested rebuild): zod's object, keys in the schema's order.
    const output: Record<string, unknown> = {};
    for (const { key, check, bit } of fields) if (seen & bit) output[key] = check(input[key]);
    return output;
  };
}

/** The option the discriminator names, as zod picks it; an unknown one is zod's to report. */
function compileDiscriminatedUnion(def: SchemaDef): Check {
  const discriminator = def.discriminator;
  if (discriminator === undefined || def.unionFallback || def.checks?.length) return askZod;
  const byValue = new Map<unknown, Check>();
  for (const option of def.options ?? []) {
    const values = option._zod.def.shape?.[discriminator]?._zod.values;
    if (!values) return askZod;
    const check = compile(option);
    for (const value of values) byValue.set(value, check);
  }
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return ASK_ZOD;
    const option = byValue.get((v as Record<string, unknown>)[discriminator]);
    return option === undefined ? ASK_ZOD : option(v);
  };
}
