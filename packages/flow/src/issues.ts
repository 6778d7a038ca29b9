import type { z } from 'zod';

/** One problem found in a document, located by a path such as `nodes[2].id`. */
export interface FlowIssue {
  readonly path: string;
  readonly message: string;
  /** The node concerned, so the editor can mark it (absent for document-level problems). */
  readonly node?: string;
  /** The output pin of `node` concerned, when the problem is about one pin. */
  readonly pin?: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['nodes', 2, 'id']` -> `nodes[2].id`; keys that are not plain words are quoted. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = typeof part === 'symbol' ? part.toString() : part;
      if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** Joins a prefix path (`users[0].flows[1].map`) and a relative one (`nodes[2].id`). */
export function joinIssuePath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

export type ParseOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: FlowIssue[] };

/**
 * Parses `input` with a zod schema and words the issues for the person who wrote the document:
 * `required` for a missing key, one issue per unknown key (with the nearest known key as a
 * suggestion) and plain-language type errors. Shared by flow maps and provisioning files.
 */
export function parseWithIssues<S extends z.ZodType>(
  schema: S,
  input: unknown,
  pathPrefix: readonly PropertyKey[] = [],
): ParseOutcome<z.output<S>> {
  // Known keys of each object that met an unknown key, by the object's path: the error map sees
  // the schema that raised the issue, the finished issue no longer does.
  const knownKeysAt = new Map<string, readonly string[]>();
  const result = schema.safeParse(input, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        knownKeysAt.set(formatIssuePath(issue.path ?? []), shapeKeys(issue.inst));
        return 'unknown key';
      }
      return describeIssue(issue);
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const issues: FlowIssue[] = [];
  for (const issue of result.error.issues) {
    const base = [...pathPrefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt.get(formatIssuePath(issue.path)) ?? [];
      for (const key of issue.keys) {
        issues.push({
          path: formatIssuePath([...base, key]),
          message: unknownKeyMessage(key, known),
        });
      }
    } else {
      issues.push({ path: formatIssuePath(base), message: issue.message });
    }
  }
  return { ok: false, issues };
}

function shapeKeys(inst: unknown): readonly string[] {
  // zod keeps an object schema's shape on `_zod.def.shape`; reading it is the only way to learn
  // which keys were expected from inside an error map.
  const def = (inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def;
  const shape = def?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : [];
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = nearest(key, known);
  if (suggestion !== undefined) return `unknown key (did you mean "${suggestion}"?)`;
  return known.length > 0 ? `unknown key (expected one of: ${known.join(', ')})` : 'unknown key';
}

/** The known key closest to `key` by edit distance, when it is close enough to be a typo. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(key.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Optimal-string-alignment distance: a swapped pair of letters (`lable`) counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

const EXPECTED_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** Plain-language messages; undefined falls back to zod's own wording. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${EXPECTED_WORDS[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return issue.minimum === 1
          ? 'must not be empty'
          : `must be at least ${String(issue.minimum)} characters`;
      }
      if (issue.origin === 'array') return `must hold at least ${String(issue.minimum)} item(s)`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      if (issue.origin === 'array') return `must hold at most ${String(issue.maximum)} item(s)`;
      return undefined;
    default:
      return undefined;
  }
}
