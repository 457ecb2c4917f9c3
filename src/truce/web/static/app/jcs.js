// RFC 8785 JSON Canonicalization Scheme: the bytes every signature and body digest of
// truce covers. Strings are written as ECMAScript JSON.stringify writes them
// (§3.2.2.2), numbers as Number.prototype.toString (§3.2.2.3), object members sorted by
// the UTF-16 code units of their names (§3.2.3), with no whitespace (§3.2.1). The input
// must be I-JSON (RFC 7493): no lone surrogates, finite numbers only.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function string(value, path) {
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError(`${path} holds a lone surrogate, which I-JSON forbids`);
  }
  return JSON.stringify(value);
}

function serialize(value, path) {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, not a finite number`);
      return JSON.stringify(value); // ECMAScript number serialisation; -0 becomes 0
    case "string":
      return string(value, path);
    case "object": {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => serialize(item, `${path}[${i}]`)).join(",")}]`;
      }
      // Default string comparison in ECMAScript is by UTF-16 code units, as §3.2.3 asks.
      const names = Object.keys(value).filter((name) => value[name] !== undefined).sort();
      const members = names.map(
        (name) => `${string(name, `${path} name`)}:${serialize(value[name], `${path}.${name}`)}`,
      );
      return `{${members.join(",")}}`;
    }
    default:
      throw new TypeError(`${path} is a ${typeof value}, which JSON cannot hold`);
  }
}

/** The RFC 8785 canonical text of a JSON value. */
export function canonicalize(value) {
  return serialize(value, "$");
}

/** The RFC 8785 canonical bytes (UTF-8, §3.2.4) of a JSON value. */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}
