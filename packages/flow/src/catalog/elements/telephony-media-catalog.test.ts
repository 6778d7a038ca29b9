import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AnyElementDefinition } from '../element.js';
import { attendantElement } from './attendant.js';
import { collectDigitsElement } from './collect-digits.js';
import { forwardElement } from './forward.js';
import { menuElement } from './menu.js';
import { notifyDesktopElement } from './notify-desktop.js';
import { playElement } from './play.js';
import { ringDevicesElement } from './ring-devices.js';
import { startWebChatElement } from './start-web-chat.js';
import { voicemailElement } from './voicemail.js';

/** Each element with a config it accepts, and whether it waits. */
const ELEMENTS: [AnyElementDefinition, unknown, boolean][] = [
  [ringDevicesElement, {}, true],
  [notifyDesktopElement, {}, true],
  [forwardElement, { to: { kind: 'number', number: '+12025550100' } }, true],
  [attendantElement, {}, true],
  [playElement, { prompts: [{ kind: 'tts', text: 'Hello' }] }, true],
  [menuElement, { prompt: [{ kind: 'tts', text: 'Press 1' }] }, true],
  [collectDigitsElement, { variable: 'account' }, true],
  [voicemailElement, {}, true],
  [startWebChatElement, {}, false],
];

/** The properties of an object schema, also inside each branch of a union. */
function propertiesOf(schema: Record<string, unknown>): [string, Record<string, unknown>][] {
  const own = Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>);
  const branches = [
    ...((schema.oneOf ?? []) as Record<string, unknown>[]),
    ...((schema.anyOf ?? []) as Record<string, unknown>[]),
  ];
  return [...own, ...branches.flatMap(propertiesOf)];
}

describe.each(
  ELEMENTS.map(([element, config, waits]) => ({ element, config, waits, type: element.type })),
)('$type', ({ element, config, waits }) => {
  it('is a named, described element of its file and category', () => {
    expect(element.label).not.toBe('');
    expect(element.description).toMatch(/\.$/);
    expect(['telephony', 'media']).toContain(element.category);
    expect(element.waits).toBe(waits);
  });

  it('gives every setting a title and a help text', () => {
    const schema = z.toJSONSchema(element.config, { io: 'input', unrepresentable: 'any' });
    const properties = propertiesOf(schema as Record<string, unknown>).filter(
      ([key]) => key !== 'kind',
    );
    expect(properties.length).toBeGreaterThan(0);
    for (const [key, property] of properties) {
      expect({ key, title: typeof property.title }).toEqual({ key, title: 'string' });
      expect({ key, description: typeof property.description }).toEqual({
        key,
        description: 'string',
      });
    }
  });

  it('has distinct pins and a finite time limit', () => {
    const parsed = element.config.parse(config);
    const ids = element.pins(parsed, { handlingCodes: [] }).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const limit = element.maxDurationMs(parsed);
    expect(Number.isFinite(limit) && limit > 0).toBe(true);
  });
});
