import { ELEMENTS } from './catalog/catalog.js';

export { START_ELEMENT_TYPE } from './start-element.js';

/** Element types a flow map may use: the element catalog's, in palette order. */
export const KNOWN_ELEMENT_TYPES: readonly string[] = Object.freeze(ELEMENTS.map((e) => e.type));

/** An element type of the catalog (the catalog is data, so this is any string at compile time). */
export type KnownElementType = string;

const KNOWN = new Set(KNOWN_ELEMENT_TYPES);

export function isKnownElementType(type: string): type is KnownElementType {
  return KNOWN.has(type);
}
