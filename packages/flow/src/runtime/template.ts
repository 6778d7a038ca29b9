import type { CallFacts } from './call-facts.js';

/**
 * `{{path}}` templating for texts elements send or speak (`Hello {{contact.firstName}}`,
 * webhook bodies). Paths read the call facts and `vars.<name>` the flow variables; a path with
 * no value renders as the empty string, so a missing contact field never breaks a greeting.
 * No expressions, no code: what users type stays data.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*(?:\.[\w-]+)*)\s*\}\}/g;

export function renderTemplate(
  text: string,
  facts: CallFacts,
  variables: Readonly<Record<string, string>>,
  /**
   * Applied to each value put in (not to the text around it), for texts with a syntax of their
   * own: `encodeURIComponent` in a URL, JSON string escaping in a JSON body.
   */
  escape: (value: string) => string = (value) => value,
): string {
  return text.replace(PLACEHOLDER, (_match, path: string) =>
    escape(lookup(path, facts, variables) ?? ''),
  );
}

/** The value at a dotted path (`contact.firstName`, `vars.account`, `caller.number`). */
export function lookup(
  path: string,
  facts: CallFacts,
  variables: Readonly<Record<string, string>>,
): string | undefined {
  const [head, ...rest] = path.split('.');
  if (head === 'vars') {
    const name = rest.length === 1 ? rest[0] : undefined;
    // Own keys only: `vars.constructor` must not find Object's constructor function.
    return name !== undefined && Object.hasOwn(variables, name) ? variables[name] : undefined;
  }
  const roots: Record<string, unknown> = {
    caller: { number: facts.callerNumber, name: facts.callerName, kind: facts.callerKind },
    called: { number: facts.calledNumber },
    contact: facts.contact,
    handlingCode: facts.handlingCode,
    user: facts.user,
    status: facts.status,
  };
  let node: unknown = head === undefined ? undefined : roots[head];
  for (const key of rest) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    // Only own data properties: a template must not reach prototypes.
    node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return node.filter((v) => typeof v === 'string').join(', ');
  return undefined;
}
