/**
 * Typed arrays sent to worker threads as their whole buffer plus offset and length.
 *
 * Node 20 (V8) writes a typed array's byte offset and byte length into a thread message as 32-bit
 * numbers: a Float32Array view over more than 4 GiB arrives with its length wrapped modulo 2³²
 * bytes (1166466016 elements sent, 92724192 seen, for a 1040³ map), whether its buffer is a
 * SharedArrayBuffer or a transferred ArrayBuffer. The buffer itself arrives whole. So each typed
 * array in a message is replaced by a {@link PackedView} (`buffer`, `byteOffset`, `length`,
 * `kind`) before `postMessage`, and rebuilt on the other side.
 */

/** The typed-array classes a message may hold, by name. */
const KINDS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

/** A typed-array class name of {@link KINDS}. */
export type ViewKind = keyof typeof KINDS;

/** A typed array as sent: its whole buffer, where the view starts (bytes) and its element count. */
export interface PackedView {
  /** Marks the object as a packed view (not a caller's own object). */
  __packedView: ViewKind;
  buffer: ArrayBufferLike;
  byteOffset: number;
  length: number;
}

/** How deep {@link packViews} and {@link unpackViews} look into objects and arrays. */
const MAX_DEPTH = 8;

/** Whether `v` is a plain object or an array (walked into; class instances are left as they are). */
function isPlainContainer(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The {@link ViewKind} of a typed array, or undefined for a DataView or an unknown view. */
function kindOf(v: ArrayBufferView): ViewKind | undefined {
  const name = v.constructor.name;
  return Object.hasOwn(KINDS, name) && v instanceof KINDS[name as ViewKind] ? (name as ViewKind) : undefined;
}

/**
 * A copy of `value` in which every typed array (in plain objects and arrays, up to 8 levels deep)
 * is replaced by a {@link PackedView} of the same memory; other values are kept as they are.
 * Post the result, and call {@link unpackViews} on what arrives: unlike the typed array, the
 * buffer is not truncated past 4 GiB (a SharedArrayBuffer is shared, an ArrayBuffer cloned, or
 * moved when it is in the transfer list).
 * @param value a message; not modified
 * @param depth nesting level reached (internal: leave it out)
 * @returns the message to post (new objects and arrays where a typed array was replaced below them)
 */
export function packViews(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    const kind = kindOf(value);
    if (!kind) return value;
    const v = value as unknown as { buffer: ArrayBufferLike; byteOffset: number; length: number };
    return { __packedView: kind, buffer: v.buffer, byteOffset: v.byteOffset, length: v.length } satisfies PackedView;
  }
  if (depth >= MAX_DEPTH || !isPlainContainer(value)) return value;
  if (Array.isArray(value)) return value.map((x: unknown) => packViews(x, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, packViews(x, depth + 1)]));
}

/** Whether `v` is a {@link PackedView}. */
function isPackedView(v: object): v is PackedView {
  const p = v as Partial<PackedView>;
  return typeof p.__packedView === 'string' && Object.hasOwn(KINDS, p.__packedView) && typeof p.byteOffset === 'number' && typeof p.length === 'number' && p.buffer !== undefined;
}

/**
 * Undo {@link packViews}: every {@link PackedView} becomes a typed array of its kind over its
 * buffer, at its byte offset, with its length.
 * @param value a message as received; its containers are rebuilt, not modified
 * @param depth nesting level reached (internal: leave it out)
 * @returns the message with its typed arrays
 */
export function unpackViews(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (isPackedView(value)) return new KINDS[value.__packedView](value.buffer as ArrayBuffer, value.byteOffset, value.length);
  if (depth >= MAX_DEPTH || !isPlainContainer(value)) return value;
  if (Array.isArray(value)) return value.map((x: unknown) => unpackViews(x, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, unpackViews(x, depth + 1)]));
}
