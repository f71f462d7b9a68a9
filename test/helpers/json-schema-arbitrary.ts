import fc from "fast-check";

// fast-check arbitraries of values that a JSON Schema (the subset our OpenAPI document uses)
// accepts, to check that the API accepts what its document promises. Strings are drawn from
// letters, digits and inner spaces: JSON Schema cannot say "no control characters" or "not blank
// once trimmed", which the document states in words. Arrays of strings are unique
// case-insensitively for the same reason (categories).

type Schema = Record<string, any>;

export function resolveRef(root: Schema, schema: Schema): Schema {
  if (typeof schema.$ref !== "string") return schema;
  const path = (schema.$ref as string).replace(/^#\//, "").split("/");
  let target: any = root;
  for (const part of path) target = target?.[part];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return resolveRef(root, target);
}

const CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function text(min: number, max: number): fc.Arbitrary<string> {
  const lo = Math.max(min, 1);
  const hi = Math.min(max, 60);
  const body = fc.string({
    unit: fc.constantFrom(...CHARS, " "),
    minLength: Math.max(0, lo - 2),
    maxLength: Math.max(0, hi - 2),
  });
  const edge = fc.constantFrom(...CHARS);
  const short = fc
    .tuple(edge, body, edge)
    .map(([a, b, c]) => (lo === 1 && b.length === 0 ? a : a + b + c))
    .filter((s) => s.length >= lo && s.length <= max);
  // Sometimes exactly the longest allowed, to check the upper bound itself.
  const longest = Number.isFinite(max)
    ? fc.string({ unit: fc.constantFrom(...CHARS), minLength: max, maxLength: max })
    : short;
  return fc.oneof({ arbitrary: short, weight: 4 }, { arbitrary: longest, weight: 1 });
}

export interface ArbitraryOptions {
  /** Properties never generated (e.g. URLs that the API resolves through DNS). */
  skip?: ReadonlySet<string>;
  /** Cap on array lengths, to keep requests small. */
  maxItems?: number;
}

export function arbitraryFor(
  root: Schema,
  schema: Schema,
  opts: ArbitraryOptions = {},
): fc.Arbitrary<unknown> {
  const s = resolveRef(root, schema);
  if (s.enum) return fc.constantFrom(...(s.enum as unknown[]));
  if ("const" in s) return fc.constant(s.const);
  if (s.anyOf) return fc.oneof(...(s.anyOf as Schema[]).map((x) => arbitraryFor(root, x, opts)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return text(s.minLength ?? 0, s.maxLength ?? Infinity);
    case "integer":
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
    case "number":
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 5, opts.maxItems ?? 5));
      const item = arbitraryFor(root, s.items ?? {}, opts);
      const items = resolveRef(root, s.items ?? {});
      return items.type === "string"
        ? fc.uniqueArray(item as fc.Arbitrary<string>, {
            minLength,
            maxLength,
            selector: (v) => v.trim().toLowerCase(),
          })
        : fc.array(item, { minLength, maxLength });
    }
    case "object": {
      if (s.properties) {
        const required = new Set<string>(s.required ?? []);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of Object.entries(s.properties as Record<string, Schema>)) {
          if (!opts.skip?.has(k) || required.has(k)) record[k] = arbitraryFor(root, v, opts);
        }
        return fc.record(record, {
          requiredKeys: Object.keys(record).filter((k) => required.has(k)),
        });
      }
      const names = s.propertyNames ?? { type: "string" };
      return fc.dictionary(
        text(names.minLength ?? 1, names.maxLength ?? 40),
        arbitraryFor(root, s.additionalProperties ?? {}, opts),
        { maxKeys: Math.min(s.maxProperties ?? 5, 5), noNullPrototype: true },
      );
    }
    default:
      throw new Error(`no arbitrary for schema ${JSON.stringify(s)}`);
  }
}
