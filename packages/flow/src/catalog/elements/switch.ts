import { z } from 'zod';
import type { CallFacts } from '../../runtime/call-facts.js';
import { lookup } from '../../runtime/template.js';
import { defineElement, type PinSpec } from '../element.js';
import { VARIABLE_NAME_PATTERN } from './variables.js';

const SOURCES = [
  'caller.number',
  'called.number',
  'contact.field',
  'contact.group',
  'variable',
] as const;
type Source = (typeof SOURCES)[number];

/** Pin of a value that no case matched (or that is missing: no contact, withheld number). */
export const DEFAULT_PIN = 'default';

const CASE_ID = /^[A-Za-z0-9_-]{1,40}$/;
const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Contact fields with a place of their own in CallFacts; any other name is read from `fields`. */
const CONTACT_PROPERTIES = ['name', 'firstName', 'lastName', 'organization'] as const;
/** Characters people put in numbers for readability: `+1 (202) 555-0100`. */
const NUMBER_PUNCTUATION = /[\s().-]/g;

const MatchSchema = z
  .strictObject({
    kind: z
      .enum(['equals', 'prefix', 'contains', 'pattern'])
      .default('equals')
      .describe(
        'equals: the whole value; prefix: how it starts; contains: anywhere in it; pattern: the ' +
          'whole value with * for any run of characters and ? for exactly one (`+1202*`, ' +
          '`+4420????????`). No regular expressions.',
      )
      .meta({ title: 'Comparison' }),
    value: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .describe(
        'What to compare with. For numbers, spaces, dots, dashes and brackets are ignored; ' +
          'numbers are in international form (+ and country code).',
      )
      .meta({ title: 'Value' }),
  })
  .describe('How a case recognises the value.');

const CaseSchema = z.strictObject({
  id: z
    .string()
    .regex(CASE_ID, 'a case id is up to 40 letters, digits, _ and -')
    .refine((id) => id !== DEFAULT_PIN, `"${DEFAULT_PIN}" is the pin for values no case matches`)
    .describe('Names the case and its pin; edges refer to it.')
    .meta({ title: 'Case id' }),
  label: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(60, 'must be at most 60 characters')
    .optional()
    .describe('Shown on the pin; the comparison itself when left out.')
    .meta({ title: 'Label' }),
  match: MatchSchema.meta({ title: 'Match' }),
});

export type SwitchCase = z.output<typeof CaseSchema>;

/**
 * A general switch on one value of the call. Cases are tried in order and the first that matches
 * wins; a missing value (anonymous caller, no contact, unset variable) matches no case. For a
 * list value (contact groups, contact e-mails) a case matches when any item matches, which makes
 * `contact.group` equals `Family` a group-membership test. Text compares case-insensitively
 * unless `caseSensitive` is on; surrounding spaces never count.
 */
export const switchElement = defineElement({
  type: 'switch',
  label: 'Switch',
  category: 'decision',
  description:
    "Goes one way per matching case on a value of the call: the caller's number, a contact field or group, a variable.",
  config: z
    .strictObject({
      value: z
        .enum(SOURCES)
        .default('caller.number')
        .describe(
          "caller.number / called.number: the caller's number and the number they dialled. " +
            "contact.field: a field of the caller's contact (name, firstName, lastName, " +
            'organization, emails or any other field, named in `field`). contact.group: the ' +
            "contact's groups (categories). variable: a flow variable named in `field`.",
        )
        .meta({ title: 'Value to test' }),
      field: z
        .string()
        .trim()
        .regex(FIELD_NAME, 'a field name is up to 64 letters, digits, _ and -')
        .optional()
        .describe('The contact field or variable to test, for contact.field and variable.')
        .meta({ title: 'Field or variable' }),
      caseSensitive: z
        .boolean()
        .default(false)
        .describe('Compare upper and lower case letters as different.')
        .meta({ title: 'Case-sensitive' }),
      cases: z
        .array(CaseSchema)
        .min(1, 'add at least one case')
        .max(100, 'must hold at most 100 cases')
        .describe('Tried in order; the first match wins. No match goes out by "default".')
        .meta({ title: 'Cases' }),
    })
    .superRefine((config, ctx) => {
      if (config.value === 'contact.field' || config.value === 'variable') {
        if (config.field === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['field'],
            message: `required when value is ${config.value}`,
          });
        } else if (config.value === 'variable' && !VARIABLE_NAME_PATTERN.test(config.field)) {
          ctx.addIssue({
            code: 'custom',
            path: ['field'],
            message: 'a variable name is a letter or _ followed by up to 31 letters, digits or _',
          });
        }
      }
      const seen = new Map<string, number>();
      config.cases.forEach((c, i) => {
        const first = seen.get(c.id);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['cases', i, 'id'],
            message: `duplicate case id "${c.id}" (also cases[${String(first)}])`,
          });
        } else seen.set(c.id, i);
      });
    }),
  pins: (config) => {
    const pins: PinSpec[] = config.cases.map((c) => ({
      id: c.id,
      label: c.label ?? `${c.match.kind} ${c.match.value}`,
      required: true,
    }));
    pins.push({ id: DEFAULT_PIN, label: 'No match', required: true });
    return pins;
  },
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config, facts, variables }) => {
    const subjects = valuesOf(config.value, config.field, facts, variables);
    const isNumber = config.value === 'caller.number' || config.value === 'called.number';
    const matched = config.cases.find((c) =>
      subjects.some((subject) => matches(c.match, subject, isNumber, config.caseSensitive)),
    );
    return Promise.resolve({
      pin: matched?.id ?? DEFAULT_PIN,
      detail: {
        value: subjects.length > 0 ? subjects.join(', ') : null,
        case: matched?.id ?? null,
      },
    });
  },
});

/** The value(s) a switch tests; [] when the call has none. */
function valuesOf(
  source: Source,
  field: string | undefined,
  facts: CallFacts,
  variables: Readonly<Record<string, string>>,
): string[] {
  const one = (value: string | undefined) => (value === undefined ? [] : [value]);
  switch (source) {
    case 'caller.number':
    case 'called.number':
      return one(lookup(source, facts, variables));
    case 'variable':
      return field === undefined ? [] : one(lookup(`vars.${field}`, facts, variables));
    case 'contact.group':
      return [...(facts.contact?.groups ?? [])];
    case 'contact.field': {
      const contact = facts.contact;
      if (contact === null || field === undefined) return [];
      const wanted = field.toLowerCase();
      if (wanted === 'emails' || wanted === 'email') return [...contact.emails];
      if (wanted === 'groups') return [...contact.groups];
      const property = CONTACT_PROPERTIES.find((p) => p.toLowerCase() === wanted);
      if (property !== undefined) return one(lookup(`contact.${property}`, facts, variables));
      // Field names from vCards differ in case (`X-Account`, `x-account`): the first own key
      // equal but for case. Object.keys lists own properties only, so no prototype is reached.
      const key = Object.keys(contact.fields).find((k) => k.toLowerCase() === wanted);
      return key === undefined ? [] : one(contact.fields[key]);
    }
  }
}

function matches(
  match: SwitchCase['match'],
  rawSubject: string,
  isNumber: boolean,
  caseSensitive: boolean,
): boolean {
  const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
  let subject = fold(rawSubject.trim());
  let value = fold(match.value);
  if (isNumber) {
    subject = subject.replace(NUMBER_PUNCTUATION, '');
    value = value.replace(NUMBER_PUNCTUATION, '');
  }
  switch (match.kind) {
    case 'equals':
      return subject === value;
    case 'prefix':
      return subject.startsWith(value);
    case 'contains':
      return subject.includes(value);
    case 'pattern':
      return globMatches(value, subject);
  }
}

/**
 * Whole-string wildcard match: `*` is any run of characters (none included), `?` exactly one.
 * The classic two-pointer walk that backs up to the last `*`: O(pattern x text) at worst and no
 * regular expression built from user text, so no pattern can make a call hang.
 */
export function globMatches(pattern: string, text: string): boolean {
  // By code point, so `?` stands for one character even outside the BMP (emoji in a name).
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc !== undefined && pc !== '*' && (pc === '?' || pc === t[ti])) {
      pi++;
      ti++;
    } else if (pc === '*') {
      star = pi++;
      resume = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++resume;
    } else return false;
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}
