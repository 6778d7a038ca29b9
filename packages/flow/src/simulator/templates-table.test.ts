import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES, builtinTemplate, builtinTemplateUsage } from '../templates/index.js';
import { parseScenario } from './parse-scenario.js';
import type { CallAction } from './scripted-call.js';
import { simulate } from './simulate.js';

// The built-in templates, table-driven: every template and what the world does (rows), for
// every kind of caller, several statuses and times inside and outside opening hours (columns).
// Templates do not look at the caller or the status, so the path must not change with them;
// only Business hours looks at the time.

const CALLERS = {
  'known, with code': 'caller=+12025550142 contact="Bob Boss" code=VIP',
  'known, no code': 'caller=+12025550123 contact="Carol Archer"',
  unknown: 'caller=+12025550177',
  anonymous: 'caller=anonymous',
} as const;
const STATUSES = ['available', 'busy', 'do-not-disturb', 'out-of-office'] as const;
/** In America/New_York: a Monday in hours, the same Monday evening, a Saturday morning. */
const TIMES = {
  open: 'at=2026-11-23T10:00',
  evening: 'at=2026-11-23T19:30',
  weekend: 'at=2026-11-28T10:00',
} as const;
type TimeName = keyof typeof TIMES;

interface Row {
  readonly method: string;
  /** What the world does, in the scenario text form. */
  readonly world: string;
  /** The path, by time of day when it depends on it. */
  readonly path: readonly string[] | Readonly<Record<TimeName, readonly string[]>>;
  readonly outcome: 'ended' | 'hung-up';
  /** What the call must have done, in this order (other actions may come between). */
  readonly actions: readonly string[];
}

const VOICEMAIL = ['answer', 'play', 'record -> recorded', 'hang-up flow'];

const ROWS: readonly Row[] = [
  {
    method: 'builtin:ring-then-voicemail',
    world: 'answer=none speaks=8',
    path: ['start', 'ring', 'voicemail'],
    outcome: 'ended',
    actions: ['ring desk,cell -> no-answer', ...VOICEMAIL],
  },
  {
    method: 'builtin:ring-then-voicemail',
    world: 'answer=desk@4',
    path: ['start', 'ring', 'done'],
    outcome: 'ended',
    actions: ['ring desk,cell -> answered', 'hang-up flow'],
  },
  {
    method: 'builtin:ring-then-voicemail',
    world: 'busy=all speaks=8',
    path: ['start', 'ring', 'voicemail'],
    outcome: 'ended',
    actions: ['ring desk,cell -> busy', ...VOICEMAIL],
  },
  {
    method: 'builtin:ring-then-voicemail',
    world: 'hangup=12',
    path: ['start', 'ring'],
    outcome: 'hung-up',
    actions: ['ring desk,cell -> cancelled', 'hang-up caller'],
  },
  {
    method: 'builtin:ring-all',
    world: 'answer=cell@10',
    path: ['start', 'ring', 'done'],
    outcome: 'ended',
    actions: ['ring desk,cell -> answered', 'hang-up flow'],
  },
  {
    method: 'builtin:ring-all',
    world: 'busy=all',
    path: ['start', 'ring', 'busy'],
    outcome: 'ended',
    actions: ['ring desk,cell -> busy', 'reject 486'],
  },
  {
    method: 'builtin:ring-all',
    world: 'fail=all',
    path: ['start', 'ring', 'unavailable'],
    outcome: 'ended',
    actions: ['ring desk,cell -> failed', 'reject 480'],
  },
  {
    method: 'builtin:ring-all',
    world: 'hangup=150',
    path: ['start', 'ring', 'ring', 'ring'],
    outcome: 'hung-up',
    actions: [
      'ring desk,cell -> no-answer',
      'ring desk,cell -> no-answer',
      'ring desk,cell -> cancelled',
    ],
  },
  {
    method: 'builtin:voicemail',
    world: 'speaks=8',
    path: ['start', 'voicemail'],
    outcome: 'ended',
    actions: VOICEMAIL,
  },
  {
    // The caller hangs up at the beep: Voicemail leaves by its hung-up pin, which ends the flow.
    method: 'builtin:voicemail',
    world: '',
    path: ['start', 'voicemail'],
    outcome: 'ended',
    actions: ['answer', 'play', 'record -> too-short'],
  },
  {
    method: 'builtin:reject',
    world: '',
    path: ['start', 'reject'],
    outcome: 'ended',
    actions: ['reject 603'],
  },
  {
    method: 'builtin:forward:cell',
    world: 'answer=cell@3',
    path: ['start', 'ring', 'done'],
    outcome: 'ended',
    actions: ['ring cell -> answered', 'hang-up flow'],
  },
  {
    method: 'builtin:forward:cell',
    world: 'answer=desk@3 speaks=8',
    path: ['start', 'ring', 'voicemail'],
    outcome: 'ended',
    actions: ['ring cell -> no-answer', ...VOICEMAIL],
  },
  {
    method: 'builtin:forward:fax',
    world: 'speaks=8',
    path: ['start', 'ring', 'voicemail'],
    outcome: 'ended',
    actions: VOICEMAIL,
  },
  {
    method: 'builtin:attendant-then-voicemail',
    world: 'attendant=frank answer=user:frank@6',
    path: ['start', 'attendant', 'done'],
    outcome: 'ended',
    actions: ['ring user:frank -> answered', 'hang-up flow'],
  },
  {
    method: 'builtin:attendant-then-voicemail',
    world: 'attendant=frank speaks=8',
    path: ['start', 'attendant', 'voicemail'],
    outcome: 'ended',
    actions: ['ring user:frank -> no-answer', ...VOICEMAIL],
  },
  {
    method: 'builtin:attendant-then-voicemail',
    world: 'speaks=8',
    path: ['start', 'attendant', 'voicemail'],
    outcome: 'ended',
    actions: VOICEMAIL,
  },
  {
    method: 'builtin:business-hours-menu',
    world: 'presses=2 speaks=8',
    path: {
      open: ['start', 'hours', 'menu', 'voicemail'],
      evening: ['start', 'hours', 'closed', 'voicemail'],
      weekend: ['start', 'hours', 'closed', 'voicemail'],
    },
    outcome: 'ended',
    actions: ['answer', 'play', 'play', 'record -> recorded', 'hang-up flow'],
  },
  {
    method: 'builtin:business-hours-menu',
    world: 'presses=1 answer=desk@3 speaks=8',
    path: {
      open: ['start', 'hours', 'menu', 'ring', 'done'],
      evening: ['start', 'hours', 'closed', 'voicemail'],
      weekend: ['start', 'hours', 'closed', 'voicemail'],
    },
    outcome: 'ended',
    actions: ['answer', 'play', 'hang-up flow'],
  },
  {
    method: 'builtin:business-hours-menu',
    world: 'speaks=8',
    path: {
      open: ['start', 'hours', 'menu', 'voicemail'],
      evening: ['start', 'hours', 'closed', 'voicemail'],
      weekend: ['start', 'hours', 'closed', 'voicemail'],
    },
    outcome: 'ended',
    actions: ['answer', 'play', 'record -> recorded', 'hang-up flow'],
  },
];

/** Short words for an action, with device targets by id: `ring desk,cell -> no-answer`. */
function word(action: CallAction): string {
  const result = (r: unknown) =>
    typeof r === 'object' && r !== null ? (r as { outcome: string }).outcome : String(r);
  switch (action.op) {
    case 'ring':
      return `ring ${action.targets.map((t) => t.replace(/^device:alice\//, '')).join(',')} -> ${result(action.result)}`;
    case 'record':
      return `record -> ${result(action.result)}`;
    case 'reject':
      return `reject ${action.code}`;
    case 'hang-up':
      return `hang-up ${action.by}`;
    default:
      return action.op;
  }
}

/** `expected` appears in `actual` in order (a subsequence). */
function inOrder(actual: readonly string[], expected: readonly string[]): boolean {
  let i = 0;
  for (const a of actual) if (a === expected[i]) i += 1;
  return i === expected.length;
}

const cases = ROWS.flatMap((row) =>
  (Object.keys(TIMES) as TimeName[]).map((time) => ({ row, time })),
);

describe('built-in templates across callers, statuses and times', () => {
  it('covers every template', () => {
    const covered = new Set(
      ROWS.map((r) => r.method.replace(/^(builtin:forward):.*/, '$1:<deviceId>')),
    );
    for (const template of BUILTIN_TEMPLATES)
      expect(covered).toContain(builtinTemplateUsage(template));
  });

  it.each(cases)('$row.method with "$row.world" at $time', async ({ row, time }) => {
    const map = builtinTemplate(row.method);
    expect(map, row.method).toBeDefined();
    const expectedPath = Array.isArray(row.path)
      ? row.path
      : (row.path as Record<TimeName, readonly string[]>)[time];
    for (const [callerKind, caller] of Object.entries(CALLERS)) {
      for (const status of STATUSES) {
        const text = `${caller} status=${status} tz=America/New_York ${TIMES[time]} ${row.world}`;
        const parsed = parseScenario(text);
        if (!parsed.ok) throw new Error(`${text}: ${JSON.stringify(parsed.issues)}`);
        const result = await simulate({ map, scenario: parsed.value });
        const what = `${callerKind}, ${status}`;
        expect(result.path, what).toEqual(expectedPath);
        expect(result.outcome, what).toBe(row.outcome);
        const words = result.actions.map(word);
        expect(inOrder(words, row.actions), `${what}: ${words.join(' | ')}`).toBe(true);
        expect(['end', 'hang-up'], what).toContain(result.steps.at(-1)?.kind);
        expect(result.facts.callerKind, what).toBe(
          callerKind === 'anonymous' ? 'anonymous' : callerKind === 'unknown' ? 'unknown' : 'known',
        );
      }
    }
  });
});
