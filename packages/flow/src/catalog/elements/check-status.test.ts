import { describe, expect, it } from 'vitest';
import { USER_STATUSES } from '../../runtime/call-facts.js';
import { checkStatusElement } from './check-status.js';
import { contextFor, factsFor } from './test-support.js';

const env = { handlingCodes: [] };
const parse = (raw: unknown) => checkStatusElement.config.parse(raw);

describe('check-status element', () => {
  it('accepts no settings or a list of known statuses', () => {
    expect(parse({})).toEqual({});
    expect(parse({ statuses: ['available', 'busy'] }).statuses).toEqual(['available', 'busy']);
  });

  it('refuses unknown statuses and an empty list', () => {
    const unknown = checkStatusElement.config.safeParse({ statuses: ['asleep'] });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(['statuses', 0]);
    expect(checkStatusElement.config.safeParse({ statuses: [] }).success).toBe(false);
  });

  it('has one labelled, required pin per status by default', () => {
    const pins = checkStatusElement.pins(parse({}), env);
    expect(pins.map((p) => p.id)).toEqual([...USER_STATUSES]);
    expect(pins.every((p) => p.required)).toBe(true);
    expect(pins.find((p) => p.id === 'in-a-meeting')?.label).toBe('In a meeting');
    expect(pins.find((p) => p.id === 'do-not-disturb')?.label).toBe('Do not disturb');
    expect(new Set(pins.map((p) => p.label)).size).toBe(USER_STATUSES.length);
  });

  it('with a restricted list has pins for those statuses and "other"', () => {
    const pins = checkStatusElement.pins(parse({ statuses: ['busy', 'available'] }), env);
    // Palette order, not the list's order, so the node looks the same however it was written.
    expect(pins.map((p) => p.id)).toEqual(['available', 'busy', 'other']);
    const all = checkStatusElement.pins(parse({ statuses: [...USER_STATUSES] }), env);
    expect(all.map((p) => p.id)).toEqual([...USER_STATUSES]);
  });

  it.each(USER_STATUSES)('leaves by the %s pin for that status', async (status) => {
    const outcome = await checkStatusElement.run(
      contextFor(parse({}), { facts: factsFor({ status }) }),
    );
    expect(outcome).toEqual({ pin: status, detail: { status } });
  });

  it('sends statuses left out of the list to other', async () => {
    const config = parse({ statuses: ['available'] });
    const away = await checkStatusElement.run(
      contextFor(config, { facts: factsFor({ status: 'away' }) }),
    );
    expect(away.pin).toBe('other');
    const available = await checkStatusElement.run(
      contextFor(config, { facts: factsFor({ status: 'available' }) }),
    );
    expect(available.pin).toBe('available');
  });
});
