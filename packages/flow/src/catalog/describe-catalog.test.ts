import { describe, expect, it } from 'vitest';
import { FAKE_CATALOG } from '../test-support/fake-catalog.js';
import { ELEMENTS } from './catalog.js';
import { catalogDescription, describeElement } from './describe-catalog.js';

describe('catalogDescription', () => {
  it('describes every element type, in palette order, as plain JSON', () => {
    const description = catalogDescription();
    expect(description.map((e) => e.type)).toEqual(ELEMENTS.map((e) => e.type));
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    for (const element of description) {
      expect(element.label).not.toBe('');
      expect(element.description).not.toBe('');
      expect(element.configSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(element.configSchema).not.toHaveProperty('$schema');
    }
  });

  it("carries the config's titles, help texts and defaults for the properties panel", () => {
    const ring = catalogDescription().find((e) => e.type === 'ring-devices');
    expect(ring).toMatchObject({
      label: 'Ring devices',
      category: 'telephony',
      waits: true,
      defaultConfig: { devices: 'all', mode: 'simultaneous', timeoutSeconds: 20 },
      pins: [
        { id: 'answered', label: 'Answered', required: true },
        { id: 'no-answer', label: 'No answer', required: true },
        { id: 'busy', label: 'Busy', required: false },
        { id: 'failed', label: 'Failed', required: false },
      ],
    });
    expect(ring?.configSchema).toMatchObject({
      properties: {
        timeoutSeconds: {
          type: 'integer',
          default: 20,
          title: 'Ring for (seconds)',
          description: expect.stringContaining('How long to ring') as string,
        },
      },
    });
    // Keys with defaults may be left out of a config.
    expect(ring?.configSchema).not.toHaveProperty('required');
  });

  it('shows the pins of the given user, and none for a config that needs settings', () => {
    const byType = (codes: string[]) =>
      new Map(catalogDescription({ env: { handlingCodes: codes } }).map((e) => [e.type, e]));
    expect(
      byType(['VIP'])
        .get('match-caller')
        ?.pins.map((p) => p.id),
    ).toEqual(['code:VIP', 'known-no-code', 'unknown', 'anonymous']);
    expect(
      byType([])
        .get('match-caller')
        ?.pins.map((p) => p.id),
    ).toEqual(['known-no-code', 'unknown', 'anonymous']);
    const menu = byType([]).get('menu');
    expect(menu).toMatchObject({ defaultConfig: null, pins: [], waits: true });
    expect(menu?.configSchema).toMatchObject({ required: ['prompt'] });
  });

  it('describes any catalog it is given', () => {
    expect(catalogDescription({ catalog: FAKE_CATALOG }).map((e) => e.type)).toEqual([
      'incoming-call',
      'ring',
      'decide',
      'codes',
      'goto-flow',
      'end',
    ]);
    expect(describeElement(FAKE_CATALOG[2]!)).toMatchObject({
      type: 'decide',
      defaultConfig: { values: ['a', 'b'] },
      pins: [
        { id: 'a', required: true },
        { id: 'b', required: true },
      ],
    });
  });
});
