import type { AnyElementDefinition, PinEnvironment } from '../catalog/element.js';

/**
 * The element types a check runs against. The real catalog (catalog/catalog.ts `ELEMENTS`) by
 * default; tests and tools may pass another list.
 */
export type ElementCatalog = readonly AnyElementDefinition[];

/** A user with no handling codes: Match caller then has only its fixed pins. */
export const NO_PIN_ENVIRONMENT: PinEnvironment = Object.freeze({ handlingCodes: [] });

const indexes = new WeakMap<ElementCatalog, ReadonlyMap<string, AnyElementDefinition>>();

/** The catalog by element type, built once per catalog list. */
export function catalogIndex(catalog: ElementCatalog): ReadonlyMap<string, AnyElementDefinition> {
  let index = indexes.get(catalog);
  if (index === undefined) {
    index = new Map(catalog.map((element) => [element.type, element]));
    indexes.set(catalog, index);
  }
  return index;
}
