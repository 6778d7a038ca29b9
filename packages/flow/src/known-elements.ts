/**
 * Element types a flow map may use. A placeholder until the element catalog (schemas and output
 * pins per element) replaces it; until then the validator only checks that a type is one of these.
 */
export const KNOWN_ELEMENT_TYPES = [
  'incoming-call',
  'match-caller',
  'switch',
  'check-status',
  'schedule',
  'calendar',
  'ring-devices',
  'notify-desktop',
  'forward',
  'attendant',
  'play',
  'menu',
  'collect-digits',
  'voicemail',
  'start-web-chat',
  'set-variable',
  'http-request',
  'goto-flow',
  'hang-up',
  'reject',
] as const;

export type KnownElementType = (typeof KNOWN_ELEMENT_TYPES)[number];

/** The element every flow starts from: exactly one per map. */
export const START_ELEMENT_TYPE = 'incoming-call' satisfies KnownElementType;

export function isKnownElementType(type: string): type is KnownElementType {
  return (KNOWN_ELEMENT_TYPES as readonly string[]).includes(type);
}
