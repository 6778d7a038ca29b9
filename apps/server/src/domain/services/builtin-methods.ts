import {
  BUILTIN_TEMPLATES,
  builtinTemplateUsage,
  parseBuiltinMethod as parseTemplateMethod,
  type BuiltinTemplateInfo,
} from '@switchboard/flow';
import { BUILTIN_PREFIX } from '../model/handling-code.js';

/**
 * Handling methods shipped with the server, usable wherever a flow id is (`builtin:<name>`):
 * in a user's default/unknown handling and as the method of a handling code. They are the flow
 * package's built-in templates; a parameterised one carries its parameter after a colon
 * (`builtin:forward:cell` rings the device `cell`).
 */
export const BUILTIN_METHODS: readonly BuiltinTemplateInfo[] = BUILTIN_TEMPLATES;

export type BuiltinMethodName = string;

/** A handling method that names a builtin, read: `builtin:forward:cell` -> forward + cell. */
export interface BuiltinMethod {
  readonly name: BuiltinMethodName;
  /** What follows the name in a parameterised builtin (a device id for `forward`). */
  readonly parameter: string | undefined;
}

/** The handling method string for a builtin, e.g. `builtin:voicemail`, `builtin:forward:cell`. */
export function builtinMethod(name: BuiltinMethodName, parameter?: string): string {
  return `${BUILTIN_PREFIX}${name}${parameter === undefined ? '' : `:${parameter}`}`;
}

/** Every builtin as people write it, for messages: `builtin:voicemail, builtin:forward:<deviceId>...`. */
export function builtinMethodList(): string {
  return BUILTIN_METHODS.map(builtinTemplateUsage).join(', ');
}

/**
 * The builtin a method string names, or undefined when it is not `builtin:<known name>` with
 * the parameter that builtin takes (builtinMethodProblem says what is wrong).
 */
export function parseBuiltinMethod(method: string): BuiltinMethod | undefined {
  const parsed = parseTemplateMethod(method);
  return parsed.ok ? { name: parsed.template.name, parameter: parsed.parameter } : undefined;
}

/** Why `method` is not a valid builtin method, or undefined when it is one. */
export function builtinMethodProblem(method: string): string | undefined {
  const parsed = parseTemplateMethod(method);
  return parsed.ok ? undefined : parsed.message;
}

export function isBuiltinMethod(method: string): boolean {
  return parseBuiltinMethod(method) !== undefined;
}

/** The user's device a builtin rings by itself (`builtin:forward:<deviceId>`), if any. */
export function builtinDevice(method: BuiltinMethod): string | undefined {
  return method.name === 'forward' ? method.parameter : undefined;
}
