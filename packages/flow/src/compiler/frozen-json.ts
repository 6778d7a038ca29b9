/**
 * A deep copy of `value` as plain JSON data, frozen all the way down. Keys whose value is
 * undefined are left out (as JSON.stringify would), so the copy equals its own JSON round trip.
 * Anything JSON cannot carry (a function, a Date, a Map, NaN...) is a programming error in an
 * element's schema, reported with where it was found.
 */
export function frozenJson(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new TypeError(`${where}: ${String(value)} cannot be stored as JSON`);
  }
  if (Array.isArray(value)) {
    return Object.freeze(value.map((item, i) => frozenJson(item, `${where}[${String(i)}]`)));
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) copy[key] = frozenJson(item, `${where}.${key}`);
    }
    return Object.freeze(copy);
  }
  const kind = typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
  throw new TypeError(`${where}: a ${kind} cannot be stored as JSON`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
