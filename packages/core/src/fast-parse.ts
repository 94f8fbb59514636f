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
  /** false for an exclusive union (z.xor) and a discriminated one: not the plain union's first match. */
  inclusive?: boolean;
  element?: SchemaLike;
  keyType?: SchemaLike;
  valueType?: SchemaLike;
  mode?: string;
  coerce?: boolean;
  format?: string;
  checks?: readonly ZodCheck[];
  shape?: Record<string, SchemaLike>;
  catchall?: SchemaLike;
  innerType?: SchemaLike;
  options?: readonly SchemaLike[];
  discriminator?: string;
  unionFallback?: boolean;
}
/** A check as zod runs it: `check` adds issues to the payload; `when` says whether it runs at all. */
interface ZodCheck {
  _zod: { def: CheckDef; check: (payload: { value: unknown; issues: unknown[] }) => unknown };
}
interface CheckDef {
  when?: (payload: { value: unknown; issues: unknown[] }) => boolean;
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
      return withChecks(compileObject(def), def.checks);
    case 'array':
      return withChecks(compileArray(def), def.checks);
    case 'record':
      return withChecks(compileRecord(def), def.checks);
    case 'union':
      return def.discriminator === undefined ? compileUnion(def) : compileDiscriminatedUnion(def);
    default:
      return askZod;
  }
}

function compileString(checks: readonly ZodCheck[]): Check {
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

function compileNumber(checks: readonly ZodCheck[]): Check {
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
  // Unknown keys: a stripping object drops them, a strict one (catchall never) rejects them, both
  // zod's to do; a passthrough one (catchall unknown) keeps them as they are, after its own keys.
  const catchall = def.catchall?._zod.def;
  const passthrough = catchall?.type === 'unknown' && !catchall.checks?.length;
  if ((catchall !== undefined && catchall.type !== 'never' && !passthrough) || !def.shape) return askZod;
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
    let kept = false;
    for (const key in input) {
      const field = byKey.get(key);
      if (!Object.hasOwn(input, key)) return ASK_ZOD;
      if (field === undefined) {
        if (!passthrough || key === '__proto__') return ASK_ZOD;
        kept = true;
        continue;
      }
      if (kept) same = false;
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
    if (kept) for (const key in input) if (!byKey.has(key)) output[key] = input[key];
    return output;
  };
}

/**
 * The first option zod's union would take: an option whose type the value is not (a number for
 * z.string()) fails in zod too and is passed over; the first one left decides, vouched or not.
 */
function compileUnion(def: SchemaDef): Check {
  if (def.inclusive !== undefined || !def.options?.length || def.checks?.length) return askZod;
  const options = def.options.map((option) => ({ check: compile(option), mayAccept: typeGuardOf(option) }));
  return (v) => {
    for (const { check, mayAccept } of options) if (mayAccept(v)) return check(v);
    return ASK_ZOD;
  };
}

/** Whether a schema could accept a value of this JavaScript type at all (true when it cannot be told). */
function typeGuardOf(schema: SchemaLike): (value: unknown) => boolean {
  const def = schema._zod.def;
  if (def.coerce) return () => true;
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return (v) => typeof v === def.type;
    case 'object':
    case 'record':
      return (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray;
    default:
      return () => true;
  }
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

/**
 * `check` followed by the schema's own checks (refinements, an array's length), run as zod runs
 * them on a value that passed so far: each adds an issue to the payload if it fails.
 */
function withChecks(check: Check, checks: readonly ZodCheck[] = []): Check {
  if (checks.length === 0) return check;
  return (v) => {
    const result = check(v);
    if (result === ASK_ZOD) return ASK_ZOD;
    for (const { _zod } of checks) {
      const payload = { value: result, issues: [] as unknown[] };
      if (_zod.def.when && !_zod.def.when(payload)) continue;
      const outcome = _zod.check(payload);
      if (outcome instanceof Promise || payload.issues.length > 0 || payload.value !== result) return ASK_ZOD;
    }
    return result;
  };
}

function compileArray(def: SchemaDef): Check {
  if (!def.element) return askZod;
  const element = compile(def.element);
  return (v) => {
    if (!Array.isArray(v)) return ASK_ZOD;
    let same = true;
    for (const item of v) {
      const result = element(item);
      if (result === ASK_ZOD) return ASK_ZOD;
      if (result !== item) same = false;
    }
    return same ? v : v.map(element);
  };
}

/**
 * A record whose keys its key schema checks (not an enum's list of keys, nor a loose one), in a
 * plain object as JSON makes it: zod's own record walks the same keys in the same order then.
 */
function compileRecord(def: SchemaDef): Check {
  if (!def.keyType || !def.valueType || def.keyType._zod.values || def.mode === 'loose') return askZod;
  const key = compile(def.keyType);
  const value = compile(def.valueType);
  return (v) => {
    if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return ASK_ZOD;
    const input = v as Record<string, unknown>;
    // zod skips a `__proto__` key and asks an own `constructor` whether the object is plain.
    if (Object.hasOwn(input, '__proto__') || Object.hasOwn(input, 'constructor')) return ASK_ZOD;
    let same = true;
    for (const k in input) {
      if (!Object.hasOwn(input, k) || key(k) !== k) return ASK_ZOD;
      const item = input[k];
      const result = value(item);
      if (result === ASK_ZOD) return ASK_ZOD;
      if (result !== item) same = false;
    }
    if (same) return input;
    const output: Record<string, unknown> = {};
    for (const k in input) output[k] = value(input[k]);
    return output;
  };
}
