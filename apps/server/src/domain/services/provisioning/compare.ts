import type { Contact, ContactInput } from '../../model/index.js';

/** Structural equality through canonical JSON (object keys sorted), for stored documents. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * Whether writing `next` over `stored` would change anything a person can see. Field by field,
 * so store-side additions (timestamps, sort keys) never count as a change.
 */
export function sameContact(stored: Contact, next: ContactInput): boolean {
  return (
    stored.name === next.name &&
    stored.organization === next.organization &&
    stored.handlingCode === next.handlingCode &&
    sameJson(stored.emails, next.emails) &&
    sameJson(
      stored.phones.map((p) => [p.e164, p.raw, p.type]),
      next.phones.map((p) => [p.e164, p.raw, p.type]),
    )
  );
}
