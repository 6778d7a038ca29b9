import type { FlowEdge, FlowNode } from '../flow-map.js';
import { edge, node } from './layout.js';

/**
 * The graphs of the built-in templates (builtin-templates.ts names and describes them). Each one
 * reads left to right: the start in column 0, one column per step, branches on rows below.
 * Pins left unconnected are optional ones (a voicemail that was left, a prompt that played):
 * the call simply ends there.
 */
export interface TemplateGraph {
  readonly nodes: FlowNode[];
  readonly edges: FlowEdge[];
}

const start = () => node('start', 'incoming-call', 0, 0);

/** Where an answered call goes once the conversation is over. */
const done = (column: number, row: number) => node('done', 'hang-up', column, row, {}, 'Call over');

const voicemailNode = (column: number, row: number) =>
  node('voicemail', 'voicemail', column, row, {}, 'Voicemail');

/** Every way a ring can fail leads to `to`; an answered ring ends at `done`. */
function ringOutcomes(ring: string, to: string): FlowEdge[] {
  return [
    edge(ring, 'answered', 'done'),
    edge(ring, 'no-answer', to),
    edge(ring, 'busy', to),
    edge(ring, 'failed', to),
  ];
}

/** Ring every device of the user at once for 20 seconds, then voicemail. */
export function ringThenVoicemail(): TemplateGraph {
  return {
    nodes: [
      start(),
      node(
        'ring',
        'ring-devices',
        1,
        0,
        { devices: 'all', timeoutSeconds: 20 },
        'Ring all devices',
      ),
      voicemailNode(2, 0),
      done(2, 1),
    ],
    edges: [edge('start', 'next', 'ring'), ...ringOutcomes('ring', 'voicemail')],
  };
}

/**
 * Ring every device, again and again, until someone answers or the caller hangs up. The ring
 * waits a minute each round, so the loop is allowed; busy and failure refuse the call.
 */
export function ringAll(): TemplateGraph {
  return {
    nodes: [
      start(),
      node(
        'ring',
        'ring-devices',
        1,
        0,
        { devices: 'all', timeoutSeconds: 60 },
        'Ring all devices',
      ),
      done(2, 0),
      node('busy', 'reject', 2, 1, { reason: 'busy' }, 'Busy'),
      node('unavailable', 'reject', 2, 2, { reason: 'unavailable' }, 'Unavailable'),
    ],
    edges: [
      edge('start', 'next', 'ring'),
      edge('ring', 'answered', 'done'),
      edge('ring', 'no-answer', 'ring'),
      edge('ring', 'busy', 'busy'),
      edge('ring', 'failed', 'unavailable'),
    ],
  };
}

export function voicemail(): TemplateGraph {
  return {
    nodes: [start(), voicemailNode(1, 0)],
    edges: [edge('start', 'next', 'voicemail')],
  };
}

/** Decline (603): the caller's network tells them the call was refused. */
export function reject(): TemplateGraph {
  return {
    nodes: [start(), node('reject', 'reject', 1, 0, { reason: 'decline' }, 'Decline')],
    edges: [edge('start', 'next', 'reject')],
  };
}

/** Ring one device of the user (e.g. `cell`) for 25 seconds, then voicemail. */
export function forwardToDevice(deviceId: string): TemplateGraph {
  return {
    nodes: [
      start(),
      node(
        'ring',
        'ring-devices',
        1,
        0,
        { devices: [deviceId], timeoutSeconds: 25 },
        `Ring ${deviceId}`,
      ),
      voicemailNode(2, 0),
      done(2, 1),
    ],
    edges: [edge('start', 'next', 'ring'), ...ringOutcomes('ring', 'voicemail')],
  };
}

export function attendantThenVoicemail(): TemplateGraph {
  return {
    nodes: [
      start(),
      node('attendant', 'attendant', 1, 0, { timeoutSeconds: 20 }, 'Attendant'),
      voicemailNode(2, 0),
      done(2, 1),
    ],
    edges: [
      edge('start', 'next', 'attendant'),
      edge('attendant', 'answered', 'done'),
      edge('attendant', 'no-answer', 'voicemail'),
    ],
  };
}

const MENU_PROMPT =
  'Thank you for calling {{user.name}}. To speak to {{user.name}}, press 1. ' +
  'To leave a message, press 2.';
const CLOSED_PROMPT =
  'Thank you for calling {{user.name}}. We are closed right now; please leave a message ' +
  'and we will call you back.';

/**
 * Opening hours (the Schedule element's default: Monday to Friday, 9:00 to 17:00 in the user's
 * time zone). Open: a menu, 1 rings the user's devices, 2 (or no key, or a wrong one) leaves a
 * voicemail. Closed: a closed message, then voicemail.
 */
export function businessHoursMenu(): TemplateGraph {
  return {
    nodes: [
      start(),
      node('hours', 'schedule', 1, 0, {}, 'Opening hours'),
      node(
        'menu',
        'menu',
        2,
        0,
        { prompt: [{ kind: 'tts', text: MENU_PROMPT }], digits: ['1', '2'] },
        'Menu',
      ),
      node(
        'ring',
        'ring-devices',
        3,
        0,
        { devices: 'all', timeoutSeconds: 20 },
        'Ring all devices',
      ),
      done(4, 0),
      node('closed', 'play', 2, 2, { prompts: [{ kind: 'tts', text: CLOSED_PROMPT }] }, 'Closed'),
      voicemailNode(4, 1),
    ],
    edges: [
      edge('start', 'next', 'hours'),
      edge('hours', 'open', 'menu'),
      edge('hours', 'closed', 'closed'),
      edge('menu', 'digit:1', 'ring'),
      edge('menu', 'digit:2', 'voicemail'),
      edge('menu', 'timeout', 'voicemail'),
      edge('menu', 'invalid', 'voicemail'),
      ...ringOutcomes('ring', 'voicemail'),
      edge('closed', 'next', 'voicemail'),
    ],
  };
}
