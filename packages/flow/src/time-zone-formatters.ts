/**
 * Intl.DateTimeFormat instances by time zone, made once: building one costs far more than
 * formatting with it. Only canonical zone names are kept (Intl accepts `eUrope/pAris` for
 * `Europe/Paris`), so the cache holds at most one entry per real zone whatever spellings users
 * type; an odd spelling still works, it just builds a formatter each time.
 */
const caches = new Map<boolean, Map<string, Intl.DateTimeFormat>>();

/** Numeric year..minute (and second) in 24-hour time. Throws a RangeError for an unknown zone. */
export function zonedFormatter(timeZone: string, withSeconds: boolean): Intl.DateTimeFormat {
  let cache = caches.get(withSeconds);
  if (cache === undefined) {
    cache = new Map();
    caches.set(withSeconds, cache);
  }
  const cached = cache.get(timeZone);
  if (cached !== undefined) return cached;
  const created = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' as const } : {}),
  });
  const canonical = created.resolvedOptions().timeZone;
  const existing = cache.get(canonical);
  if (existing !== undefined) return existing;
  cache.set(canonical, created);
  return created;
}
