import type { z } from 'zod';
import { deviceIdSchema } from '../catalog/elements/telephony-config.js';
import type { FlowMap } from '../flow-map.js';
import {
  attendantThenVoicemail,
  businessHoursMenu,
  forwardToDevice,
  reject,
  ringAll,
  ringThenVoicemail,
  voicemail,
  type TemplateGraph,
} from './template-maps.js';
import { flowMap } from './layout.js';

/** Prefix of handling methods that name a template shipped with Switchboard. */
export const BUILTIN_PREFIX = 'builtin:';

/** What a parameterised template takes after its name (`builtin:forward:<deviceId>`). */
export interface BuiltinTemplateParameter {
  /** Placeholder name shown in usage, e.g. `deviceId`. */
  readonly name: string;
  readonly description: string;
  readonly example: string;
}

export interface BuiltinTemplateInfo {
  /** The name after `builtin:`, e.g. `ring-then-voicemail`. */
  readonly name: string;
  readonly description: string;
  readonly parameter?: BuiltinTemplateParameter;
}

interface BuiltinTemplate extends BuiltinTemplateInfo {
  /** The map's name, as a copy of the template is first called. */
  title(parameter: string | undefined): string;
  /** What the parameter must look like, for a parameterised template. */
  readonly parameterSchema?: z.ZodType<string>;
  build(parameter: string | undefined): TemplateGraph;
}

const DEVICE_PARAMETER: BuiltinTemplateParameter = {
  name: 'deviceId',
  description: "The id of one of the user's devices.",
  example: 'cell',
};

const TEMPLATES: readonly BuiltinTemplate[] = [
  {
    name: 'ring-then-voicemail',
    description: "Ring all the user's devices; if nobody answers, take a voicemail.",
    title: () => 'Ring, then voicemail',
    build: ringThenVoicemail,
  },
  {
    name: 'ring-all',
    description: "Ring all the user's devices until someone answers or the caller gives up.",
    title: () => 'Ring all devices',
    build: ringAll,
  },
  {
    name: 'voicemail',
    description: 'Send the caller straight to voicemail.',
    title: () => 'Voicemail',
    build: voicemail,
  },
  {
    name: 'reject',
    description: 'Refuse the call (the caller hears it was declined).',
    title: () => 'Reject',
    build: reject,
  },
  {
    name: 'forward',
    description:
      "Ring one of the user's devices (e.g. the cell phone); if nobody answers, take a voicemail.",
    parameter: DEVICE_PARAMETER,
    // The device lands in Ring devices' config, so it follows that element's rule.
    parameterSchema: deviceIdSchema,
    title: (deviceId) => `Forward to ${deviceId ?? DEVICE_PARAMETER.example}`,
    build: (deviceId) => forwardToDevice(deviceId ?? DEVICE_PARAMETER.example),
  },
  {
    name: 'attendant-then-voicemail',
    description: "Ring the user's attendant, who answers on their behalf; else take a voicemail.",
    title: () => 'Attendant, then voicemail',
    build: attendantThenVoicemail,
  },
  {
    name: 'business-hours-menu',
    description:
      'In opening hours (Monday to Friday, 9:00 to 17:00) a menu: 1 rings the user, 2 leaves a ' +
      'voicemail. Closed: a closed message, then voicemail.',
    title: () => 'Business hours menu',
    build: businessHoursMenu,
  },
];

/** The built-in templates, as the provisioning file and the API name them. */
export const BUILTIN_TEMPLATES: readonly BuiltinTemplateInfo[] = Object.freeze(
  TEMPLATES.map(({ name, description, parameter }) =>
    Object.freeze(
      parameter === undefined ? { name, description } : { name, description, parameter },
    ),
  ),
);

/** How a template is written as a handling method: `builtin:voicemail`, `builtin:forward:<deviceId>`. */
export function builtinTemplateUsage(template: BuiltinTemplateInfo): string {
  const parameter = template.parameter === undefined ? '' : `:<${template.parameter.name}>`;
  return `${BUILTIN_PREFIX}${template.name}${parameter}`;
}

export type BuiltinMethodParse =
  | {
      readonly ok: true;
      readonly template: BuiltinTemplateInfo;
      /** The part after the name, for a parameterised template (`cell` in `builtin:forward:cell`). */
      readonly parameter: string | undefined;
    }
  | { readonly ok: false; readonly message: string };

/**
 * Reads a `builtin:<name>[:<parameter>]` handling method. The message of a failure says what is
 * wrong (unknown name, missing or unexpected parameter) and lists the templates.
 */
export function parseBuiltinMethod(method: string): BuiltinMethodParse {
  const known = TEMPLATES.map(builtinTemplateUsage).join(', ');
  if (!method.startsWith(BUILTIN_PREFIX)) {
    return { ok: false, message: `"${method}" is not a built-in method (builtin:<name>)` };
  }
  const rest = method.slice(BUILTIN_PREFIX.length);
  const colon = rest.indexOf(':');
  const name = colon === -1 ? rest : rest.slice(0, colon);
  const parameter = colon === -1 ? undefined : rest.slice(colon + 1);
  const template = TEMPLATES.find((t) => t.name === name);
  if (template === undefined) {
    return { ok: false, message: `unknown builtin "${method}"; the builtins are ${known}` };
  }
  const info = BUILTIN_TEMPLATES.find((t) => t.name === name) ?? template;
  const usage = builtinTemplateUsage(template);
  if (template.parameter === undefined) {
    if (parameter === undefined) return { ok: true, template: info, parameter };
    return { ok: false, message: `"${method}" takes nothing after its name: write ${usage}` };
  }
  const example = `${BUILTIN_PREFIX}${name}:${template.parameter.example}`;
  if (parameter === undefined || parameter === '') {
    return {
      ok: false,
      message: `"${method}" needs a ${template.parameter.name}: write ${usage}, e.g. ${example}`,
    };
  }
  const checked = template.parameterSchema?.safeParse(parameter);
  if (checked?.success === false) {
    return {
      ok: false,
      message: `"${parameter}" in "${method}" is not a ${template.parameter.name}: ${checked.error.issues[0]?.message ?? 'not allowed'}`,
    };
  }
  return { ok: true, template: info, parameter };
}

/**
 * The flow map of a built-in method such as `builtin:ring-then-voicemail` or
 * `builtin:forward:cell`; undefined when the method names no template (parseBuiltinMethod says
 * why). A fresh map each time: the caller may change it.
 */
export function builtinTemplate(method: string): FlowMap | undefined {
  const parsed = parseBuiltinMethod(method);
  if (!parsed.ok) return undefined;
  const template = TEMPLATES.find((t) => t.name === parsed.template.name);
  if (template === undefined) return undefined;
  const { nodes, edges } = template.build(parsed.parameter);
  return flowMap(template.title(parsed.parameter), template.description, nodes, edges);
}

/**
 * A template as a new, editable flow of the user's, named `newName` (the caller saves it under a
 * flow id of its choosing); undefined when the method names no template.
 */
export function copyTemplate(method: string, newName: string): FlowMap | undefined {
  const template = builtinTemplate(method);
  if (template === undefined) return undefined;
  return {
    ...template,
    name: newName,
    description: `${template.description ?? ''} (copied from ${method})`.trim(),
  };
}
