import { BUILTIN_PREFIX } from '../model/handling-code.js';

/**
 * Handling methods shipped with the server, usable wherever a flow id is (`builtin:<name>`):
 * in a user's default/unknown handling and as the method of a handling code. The names are the
 * ones the flow issue's templates carry (`builtin:forward:<deviceId>` and
 * `builtin:business-hours-menu` arrive with the templates themselves).
 */
export const BUILTIN_METHODS = [
  {
    name: 'ring-then-voicemail',
    description: "Ring the user's devices; if nobody answers, take a voicemail.",
  },
  { name: 'ring-all', description: "Ring all the user's devices until the caller gives up." },
  { name: 'voicemail', description: 'Send the caller straight to voicemail.' },
  { name: 'reject', description: 'Refuse the call (the caller hears it was declined).' },
  { name: 'busy', description: 'Answer with busy, as if the user were on another call.' },
  {
    name: 'attendant-then-voicemail',
    description: "Ring the user's attendant, who answers on their behalf; else take a voicemail.",
  },
] as const satisfies readonly { name: string; description: string }[];

export type BuiltinMethodName = (typeof BUILTIN_METHODS)[number]['name'];

/** The handling method string for a builtin, e.g. `builtin:voicemail`. */
export function builtinMethod(name: BuiltinMethodName): string {
  return `${BUILTIN_PREFIX}${name}`;
}

/** The builtin a method string names, or undefined when it is not `builtin:<known name>`. */
export function parseBuiltinMethod(method: string): BuiltinMethodName | undefined {
  if (!method.startsWith(BUILTIN_PREFIX)) return undefined;
  const name = method.slice(BUILTIN_PREFIX.length);
  return BUILTIN_METHODS.find((m) => m.name === name)?.name;
}

export function isBuiltinMethod(method: string): boolean {
  return parseBuiltinMethod(method) !== undefined;
}
