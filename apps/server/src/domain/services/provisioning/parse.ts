import {
  formatIssuePath,
  joinIssuePath,
  parseWithIssues,
  validateFlowMap,
  validateFlowSet,
  type FlowIssue,
  type FlowMap,
  type PinEnvironment,
} from '@switchboard/flow';
import { parseDocument } from 'yaml';
import { BUILTIN_PREFIX } from '../../model/handling-code.js';
import type { DeviceInput } from '../../model/index.js';
import {
  builtinDevice,
  builtinMethodList,
  builtinMethodProblem,
  parseBuiltinMethod,
} from '../builtin-methods.js';
import { tryE164 } from '../phone-numbers.js';
import type { ProvisionedUser, ProvisioningDocument } from './document.js';
import { ProvisioningError, type ProvisioningIssue } from './provisioning-error.js';
import {
  CountrySchema,
  FileHeaderSchema,
  HANDLING_CODE_PATTERN,
  TrunkSchema,
  userSchema,
  type ParsedTrunk,
  type ParsedUser,
} from './schema.js';

export interface ParseProvisioningOptions {
  /** Named in messages (`demo.yaml was not applied...`). */
  readonly fileName?: string;
  /**
   * Reads a flow file named by `flows[].file`, a path relative to the provisioning file. The
   * caller does the I/O (see loadProvisioningFile) so parsing stays pure and testable.
   */
  readonly readFlowFile?: (relativePath: string) => Promise<string>;
}

/**
 * Reads a provisioning file's text (YAML 1.2, which includes JSON) and validates it whole.
 * Throws ProvisioningError listing every problem by path; returns the normalised document.
 */
export async function parseProvisioning(
  text: string,
  options: ParseProvisioningOptions = {},
): Promise<ProvisioningDocument> {
  const parsed = parseYaml(text);
  if (!parsed.ok) throw new ProvisioningError(parsed.issues, options.fileName);
  return validateProvisioning(parsed.value, options);
}

/**
 * Like parseProvisioning for a document already read into plain data (e.g. a JSON body).
 *
 * Two passes run over every user. The schema pass checks the shape of each trunk and user on
 * its own (so one bad user does not hide the next; numbers are read with the user's country).
 * The cross-check pass reads the raw data defensively and checks what a schema cannot: unique
 * ids, numbers and SIP usernames, handling methods naming builtins or the user's flows, contact
 * codes, the flow maps themselves. It skips values the schema pass already rejected, so each
 * problem is reported once, and all of them are reported together.
 */
export async function validateProvisioning(
  data: unknown,
  options: ParseProvisioningOptions = {},
): Promise<ProvisioningDocument> {
  // An empty file (YAML null) describes nothing, which is valid: there is nothing to apply.
  const input = withoutExtensionKeys(data ?? {});
  const header = parseWithIssues(FileHeaderSchema, input);
  const top = record(input);
  if (!top) {
    throw new ProvisioningError(header.ok ? [] : header.issues, options.fileName);
  }
  const issues = new IssueList();
  if (!header.ok) issues.add(...header.issues);
  const fileCountry = header.ok ? header.value.country : peekCountry(top.country);

  const trunks: ParsedTrunk[] = [];
  list(top.trunks).forEach((input, i) => {
    const trunk = parseWithIssues(TrunkSchema, input, ['trunks', i]);
    if (trunk.ok) trunks.push(trunk.value);
    else issues.add(...trunk.issues);
  });
  checkUnique(
    list(top.trunks).map((t, i) => ({ key: text(record(t)?.id), path: `trunks[${String(i)}].id` })),
    (id) => `duplicate trunk id "${id}"`,
    issues,
  );

  const parsedUsers: ParsedUser[] = [];
  const looseUsers: LooseUser[] = [];
  for (const [index, input] of list(top.users).entries()) {
    const country = peekCountry(record(input)?.country) ?? fileCountry;
    const user = parseWithIssues(userSchema(country), input, ['users', index]);
    if (user.ok) parsedUsers.push(user.value);
    else issues.add(...user.issues);
    looseUsers.push(looseUser(input, index, country));
  }

  const flowMaps = new Map<string, FlowMap>();
  for (const user of looseUsers) {
    checkUser(user, issues);
    // Match caller has a pin per handling code of the user's.
    const env: PinEnvironment = { handlingCodes: user.codes.map((c) => c.written.toUpperCase()) };
    const byId: Record<string, FlowMap> = {};
    let allLoaded = true;
    for (const flow of user.flows) {
      const map = await loadFlow(flow, options, issues, env);
      if (map) flowMaps.set(flow.path, map);
      if (map && flow.id !== undefined) byId[flow.id] = map;
      else allLoaded = false;
    }
    // Go to flow between the user's flows: only once every flow is there to be gone to.
    if (allLoaded) checkFlowSet(user.flows, byId, issues);
  }
  checkAcrossUsers(looseUsers, issues);

  if (issues.size > 0) throw new ProvisioningError(issues.inDocumentOrder(), options.fileName);
  return {
    fileName: options.fileName,
    trunks: trunks.map((t) => ({
      id: t.id,
      host: t.address.host,
      port: t.address.port,
      inbound: t.inbound,
      username: t.username ?? null,
      password: t.password ?? null,
      calledNumberFrom: t.calledNumberFrom,
    })),
    users: parsedUsers.map((user, index) =>
      buildUser(user, index, user.country ?? fileCountry ?? '', flowMaps),
    ),
  };
}

/** Collects issues and hands them back grouped by trunk and user, in the file's order. */
class IssueList {
  private readonly items: { order: number; seq: number; issue: ProvisioningIssue }[] = [];

  get size(): number {
    return this.items.length;
  }

  add(...issues: ProvisioningIssue[]): void {
    for (const issue of issues) {
      const section = /^(trunks|users)\[(\d+)\]/.exec(issue.path);
      const order = section ? (section[1] === 'trunks' ? 1e6 : 2e6) + Number(section[2]) : 0;
      this.items.push({ order, seq: this.items.length, issue });
    }
  }

  inDocumentOrder(): ProvisioningIssue[] {
    return [...this.items]
      .sort((a, b) => a.order - b.order || a.seq - b.seq)
      .map((item) => item.issue);
  }
}

/**
 * Top-level keys starting with `x-` are the file author's own (as in Compose files): a place for
 * YAML anchors shared by several users (`x-defaults: &defaults`, then `<<: *defaults`).
 */
function withoutExtensionKeys(data: unknown): unknown {
  const top = record(data);
  if (!top) return data;
  return Object.fromEntries(Object.entries(top).filter(([key]) => !key.startsWith('x-')));
}

type Parsed = { ok: true; value: unknown } | { ok: false; issues: ProvisioningIssue[] };

function parseYaml(source: string): Parsed {
  // uniqueKeys (on by default) makes a key written twice an error instead of "last one wins".
  // merge: YAML 1.1 merge keys (`<<: *defaults`), which people expect in configuration files.
  const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        const where = pos ? `line ${String(pos.line)}, column ${String(pos.col)}: ` : '';
        // prettyErrors appends " at line L, column C:" and a source excerpt; we say it first.
        const reason = (error.message.split('\n')[0] ?? error.message).replace(
          / at line \d+, column \d+:?\s*$/,
          '',
        );
        return { path: '', message: `syntax error at ${where}${reason}` };
      }),
    };
  }
  // Alias expansion is capped by the yaml package (maxAliasCount), so "billion laughs" fails.
  return { ok: true, value: doc.toJS() as unknown };
}

// Defensive readers for the cross-check pass, which must not trust the shape of anything.
function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The user's own country when it is valid (its errors are reported by the user schema). */
function peekCountry(value: unknown): string | undefined {
  const parsed = CountrySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** What the cross-checks need of one user, read from the raw data without trusting it. */
interface LooseUser {
  readonly index: number;
  readonly id: string | undefined;
  readonly email: string | undefined;
  readonly hasCountry: boolean;
  readonly numbers: readonly { path: string; e164: string }[];
  readonly devices: readonly {
    path: string;
    id: string | undefined;
    sipUsername: string | undefined;
    numberE164: string | undefined;
  }[];
  readonly attendant: string | undefined;
  readonly methods: readonly { path: string; method: string }[];
  readonly codes: readonly { path: string; written: string }[];
  readonly flows: readonly LooseFlow[];
  readonly contacts: readonly {
    path: string;
    key: string | undefined;
    keyPath: string;
    code: string | undefined;
  }[];
}

interface LooseFlow {
  readonly path: string;
  readonly id: string | undefined;
  readonly file: string | undefined;
  readonly map: unknown;
  /** Exactly one of file/map, well-formed: otherwise the schema pass reports it. */
  readonly loadable: boolean;
}

function looseUser(input: unknown, index: number, country: string | undefined): LooseUser {
  const user = record(input) ?? {};
  const at = (...path: PropertyKey[]) => formatIssuePath(['users', index, ...path]);
  const e164 = (value: unknown) => {
    const raw = text(value);
    // Without a country, international (+...) numbers can still be read and cross-checked.
    return raw === undefined ? undefined : tryE164(raw, country);
  };
  const handling = record(user.handling) ?? {};
  const methods: { path: string; method: string }[] = [];
  const codes: { path: string; written: string }[] = [];
  for (const key of ['default', 'unknown', 'anonymous'] as const) {
    const method = text(handling[key]);
    if (method !== undefined) methods.push({ path: at('handling', key), method });
  }
  for (const [written, value] of Object.entries(record(handling.codes) ?? {})) {
    if (!HANDLING_CODE_PATTERN.test(written)) continue;
    codes.push({ path: at('handling', 'codes', written), written });
    const method = text(value) ?? text(record(value)?.method);
    const path =
      text(value) !== undefined
        ? at('handling', 'codes', written)
        : at('handling', 'codes', written, 'method');
    if (method !== undefined) methods.push({ path, method });
  }
  return {
    index,
    id: text(user.id),
    email: text(user.email),
    hasCountry: country !== undefined,
    numbers: list(user.numbers).flatMap((n, i) => {
      const value = e164(n);
      return value === undefined ? [] : [{ path: at('numbers', i), e164: value }];
    }),
    devices: list(user.devices).map((d, i) => {
      const device = record(d) ?? {};
      return {
        path: at('devices', i),
        id: text(device.id),
        sipUsername: text(record(device.sip)?.username),
        numberE164: e164(device.number),
      };
    }),
    attendant: text(user.attendant),
    methods,
    codes,
    flows: list(user.flows).map((f, i) => {
      const flow = record(f) ?? {};
      const file = text(flow.file);
      const hasMap = flow.map !== undefined;
      return {
        path: at('flows', i),
        id: text(flow.id),
        file,
        map: flow.map,
        loadable: (file !== undefined) !== hasMap && (hasMap || typeof flow.file === 'string'),
      };
    }),
    contacts: list(user.contacts).map((c, i) => {
      const contact = record(c) ?? {};
      const id = text(contact.id);
      const code = text(contact.handlingCode);
      return {
        path: at('contacts', i),
        key: id ?? text(contact.name)?.trim(),
        keyPath: at('contacts', i, id === undefined ? 'name' : 'id'),
        code: code !== undefined && HANDLING_CODE_PATTERN.test(code) ? code : undefined,
      };
    }),
  };
}

function checkUnique(
  entries: readonly { key: string | undefined; path: string }[],
  message: (key: string) => string,
  issues: IssueList,
): void {
  const seen = new Map<string, string>();
  for (const { key, path } of entries) {
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, path);
    else issues.add({ path, message: `${message(key)} (also at ${first})` });
  }
}

/** Checks inside one user: duplicates, handling methods, codes, contacts, attendant, country. */
function checkUser(user: LooseUser, issues: IssueList): void {
  const at = (...path: PropertyKey[]) => formatIssuePath(['users', user.index, ...path]);
  const name = user.id ?? `users[${String(user.index)}]`;
  if (!user.hasCountry) {
    issues.add({
      path: at('country'),
      message: 'required here or at the top of the file (it says how to read local numbers)',
    });
  }
  checkUnique(
    user.numbers.map((n) => ({ key: n.e164, path: n.path })),
    (n) => `${n} is listed twice`,
    issues,
  );
  checkUnique(
    user.devices.map((d) => ({ key: d.id, path: `${d.path}.id` })),
    (id) => `duplicate device id "${id}"`,
    issues,
  );
  checkUnique(
    user.flows.map((f) => ({ key: f.id, path: `${f.path}.id` })),
    (id) => `duplicate flow id "${id}"`,
    issues,
  );
  checkUnique(
    user.contacts.map((c) => ({ key: c.key, path: c.keyPath })),
    (key) => `duplicate contact "${key}": give one of them an "id" to tell them apart`,
    issues,
  );

  // Handling methods: a builtin, or one of this user's flows (flows belong to one user).
  const flowIds = new Set(user.flows.flatMap((f) => (f.id === undefined ? [] : [f.id])));
  const deviceIds = new Set(user.devices.flatMap((d) => (d.id === undefined ? [] : [d.id])));
  for (const { path, method } of user.methods) {
    const problem = methodProblem(method, {
      flowIds,
      deviceIds,
      hasAttendant: user.attendant !== undefined,
    });
    if (problem !== undefined) issues.add({ path, message: problem });
  }

  const codes = new Map<string, string>();
  for (const { path, written } of user.codes) {
    const code = written.toUpperCase();
    const first = codes.get(code);
    if (first === undefined) codes.set(code, written);
    else
      issues.add({
        path,
        message: `handling code ${code} is also written as "${first}" (codes ignore case)`,
      });
  }
  for (const contact of user.contacts) {
    if (contact.code === undefined || codes.has(contact.code.toUpperCase())) continue;
    issues.add({
      path: `${contact.path}.handlingCode`,
      message:
        codes.size > 0
          ? `"${contact.code}" is not one of ${name}'s handling codes (${[...codes.keys()].join(', ')})`
          : `"${contact.code}" is not a handling code: ${name} has none under handling.codes`,
    });
  }

  if (user.attendant !== undefined && user.attendant === user.id) {
    issues.add({ path: at('attendant'), message: 'a user cannot be their own attendant' });
  }
}

/** What a user's handling methods may refer to. */
interface MethodTargets {
  readonly flowIds: ReadonlySet<string>;
  readonly deviceIds: ReadonlySet<string>;
  readonly hasAttendant: boolean;
}

function methodProblem(method: string, targets: MethodTargets): string | undefined {
  const builtins = builtinMethodList();
  if (method.startsWith(BUILTIN_PREFIX)) {
    const builtin = parseBuiltinMethod(method);
    if (builtin === undefined) return builtinMethodProblem(method);
    if (builtin.name === 'attendant-then-voicemail' && !targets.hasAttendant) {
      return `"${method}" needs the user to have an "attendant"`;
    }
    const device = builtinDevice(builtin);
    if (device !== undefined && !targets.deviceIds.has(device)) {
      const devices =
        targets.deviceIds.size > 0
          ? `the user's devices are ${[...targets.deviceIds].join(', ')}`
          : 'the user has no devices';
      return `"${method}" names no device of the user's (${devices})`;
    }
    return undefined;
  }
  if (targets.flowIds.has(method)) return undefined;
  const flows =
    targets.flowIds.size > 0
      ? `the user's flows are ${[...targets.flowIds].join(', ')}`
      : 'the user has no flows';
  return `"${method}" is neither a builtin nor one of the user's flows (${flows}; the builtins are ${builtins})`;
}

const MAX_ISSUES_PER_FLOW_FILE = 10;

async function loadFlow(
  flow: LooseFlow,
  options: ParseProvisioningOptions,
  issues: IssueList,
  env: PinEnvironment,
): Promise<FlowMap | undefined> {
  if (!flow.loadable) return undefined;
  if (flow.file === undefined) {
    const result = validateFlowMap(flow.map, { env });
    if (result.ok) return result.map;
    addFlowIssues(flow, result.errors, issues);
    return undefined;
  }
  const filePath = `${flow.path}.file`;
  if (!options.readFlowFile) {
    issues.add({
      path: filePath,
      message: 'flow files cannot be read here: put the map inline under "map"',
    });
    return undefined;
  }
  let source: string;
  try {
    source = await options.readFlowFile(flow.file);
  } catch (error) {
    issues.add({ path: filePath, message: `cannot read ${flow.file}: ${errorText(error)}` });
    return undefined;
  }
  const parsed = parseYaml(source);
  if (!parsed.ok) {
    for (const e of parsed.issues)
      issues.add({ path: filePath, message: `${flow.file}: ${e.message}` });
    return undefined;
  }
  const result = validateFlowMap(parsed.value, { env });
  if (result.ok) return result.map;
  addFlowIssues(flow, result.errors, issues);
  return undefined;
}

/** A flow map's issues, under the flow's inline map or naming its file. */
function addFlowIssues(flow: LooseFlow, errors: readonly FlowIssue[], issues: IssueList): void {
  if (flow.file === undefined) {
    for (const e of errors) {
      issues.add({ path: joinIssuePath(`${flow.path}.map`, e.path), message: e.message });
    }
    return;
  }
  const filePath = `${flow.path}.file`;
  // A file that is not a flow map at all would produce one issue per key; a few say enough.
  const shown = errors.slice(0, MAX_ISSUES_PER_FLOW_FILE);
  if (errors.length > shown.length) {
    issues.add({
      path: filePath,
      message: `${flow.file}: ${String(errors.length - shown.length)} more problems not listed (is it a flow map?)`,
    });
  }
  for (const e of shown) {
    issues.add({
      path: filePath,
      message: `${flow.file}${e.path === '' ? '' : ` at ${e.path}`}: ${e.message}`,
    });
  }
}

/** Go to flow across one user's flows: targets that exist, and no cycle between flows. */
function checkFlowSet(
  flows: readonly LooseFlow[],
  byId: Readonly<Record<string, FlowMap>>,
  issues: IssueList,
): void {
  const result = validateFlowSet(byId);
  if (result.ok) return;
  for (const flow of flows) {
    const own = result.errors.filter((e) => e.flow === flow.id);
    if (own.length > 0) addFlowIssues(flow, own, issues);
  }
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** Checks that span users: ids, e-mail addresses, numbers and SIP usernames are each unique. */
function checkAcrossUsers(users: readonly LooseUser[], issues: IssueList): void {
  const at = (index: number, ...path: PropertyKey[]) => formatIssuePath(['users', index, ...path]);
  checkUnique(
    users.map((u) => ({ key: u.id, path: at(u.index, 'id') })),
    (id) => `duplicate user id "${id}"`,
    issues,
  );
  checkUnique(
    users.map((u) => ({ key: u.email?.toLowerCase(), path: at(u.index, 'email') })),
    (email) => `${email} is already the e-mail address of another user`,
    issues,
  );
  // One number reaches one user (one-number service): a DID listed under two users is an error.
  const owner = new Map<string, { user: LooseUser; path: string }>();
  for (const user of users) {
    for (const n of user.numbers) {
      const first = owner.get(n.e164);
      if (first === undefined) owner.set(n.e164, { user, path: n.path });
      else if (first.user !== user) {
        issues.add({
          path: n.path,
          message: `${n.e164} already reaches user "${first.user.id ?? '?'}" (${first.path}); a number reaches one user`,
        });
      }
    }
  }
  // A device dialled out through a trunk must not be one of our own numbers, or the call would
  // come straight back in.
  for (const user of users) {
    for (const device of user.devices) {
      const target = device.numberE164 === undefined ? undefined : owner.get(device.numberE164);
      if (target && device.numberE164 !== undefined) {
        issues.add({
          path: `${device.path}.number`,
          message: `${device.numberE164} is a number of user "${target.user.id ?? '?'}" here; ring a phone outside Switchboard`,
        });
      }
    }
  }
  checkUnique(
    users.flatMap((u) =>
      u.devices.map((d) => ({ key: d.sipUsername, path: `${d.path}.sip.username` })),
    ),
    (name) =>
      `SIP username "${name}" is already used by another device (usernames are server-wide)`,
    issues,
  );
}

/** The normalised user; only called once both passes found nothing wrong. */
function buildUser(
  user: ParsedUser,
  index: number,
  country: string,
  flowMaps: ReadonlyMap<string, FlowMap>,
): ProvisionedUser {
  const devices: DeviceInput[] = user.devices.map((d) =>
    d.sip !== undefined
      ? {
          kind: 'sip',
          id: d.id,
          userId: user.id,
          name: d.name ?? d.id,
          sipUsername: d.sip.username,
          sipPassword: d.sip.password,
        }
      : {
          kind: 'external',
          id: d.id,
          userId: user.id,
          name: d.name ?? d.id,
          // The schema requires one of sip/number, so the number is there.
          number: d.number?.e164 ?? '',
        },
  );
  const path = `users[${String(index)}]`;
  return {
    path,
    id: user.id,
    name: user.name,
    email: user.email,
    password: user.password,
    timezone: user.timezone,
    country,
    role: user.role,
    attendantId: user.attendant ?? null,
    defaultHandling: user.handling.default,
    unknownHandling: user.handling.unknown ?? user.handling.default,
    ...(user.handling.anonymous === undefined
      ? {}
      : { anonymousHandling: user.handling.anonymous }),
    numbers: user.numbers.map((n) => n.e164),
    devices,
    handlingCodes: Object.entries(user.handling.codes).map(([written, value]) => ({
      userId: user.id,
      code: written.toUpperCase(),
      method: typeof value === 'string' ? value : value.method,
      description: typeof value === 'string' ? null : (value.description ?? null),
    })),
    flows: user.flows.flatMap((flow, i) => {
      const map = flowMaps.get(`${path}.flows[${String(i)}]`);
      return map ? [{ id: flow.id, name: flow.name ?? map.name, document: map }] : [];
    }),
    contacts: user.contacts.map((contact) => ({
      key: contact.id ?? contact.name,
      name: contact.name,
      organization: contact.organization ?? null,
      emails: contact.emails,
      phones: contact.phones.map((p) => ({ e164: p.e164, raw: p.raw, type: null })),
      handlingCode: contact.handlingCode?.toUpperCase() ?? null,
    })),
  };
}
