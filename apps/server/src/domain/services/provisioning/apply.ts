import { randomBytes, randomUUID } from 'node:crypto';
import { compileFlowMap } from '@switchboard/flow';
import type {
  ContactInput,
  Device,
  DeviceInput,
  HandlingCode,
  HandlingCodeInput,
  Trunk,
  TrunkInput,
  User,
  UserInput,
} from '../../model/index.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { Repositories, Store } from '../../ports/store.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { sameContact, sameJson } from './compare.js';
import type { ProvisionedContact, ProvisionedUser, ProvisioningDocument } from './document.js';
import { ProvisioningError, type ProvisioningIssue } from './provisioning-error.js';

export interface ApplyProvisioningOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Called after each item is compared (and written if needed), for a progress bar. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Id for a new contact; random UUIDs unless a test wants predictable ones. */
  readonly newId?: () => string;
}

/**
 * What applying a file did, one entry per item: `user alice`, `number +12025550100`,
 * `device alice/desk`, `flow alice/vip`, `handling code alice/VIP`, `contact alice/Bob Boss`,
 * `trunk carrier`.
 */
export interface ProvisioningReport {
  readonly created: string[];
  readonly changed: string[];
  readonly unchanged: string[];
  /**
   * Items in the store that the file does not mention. Provisioning never deletes: they were
   * kept (a future `--prune` option will remove them). Contacts from other sources (imports,
   * CardDAV, the API) are never listed: provisioning does not own them.
   */
  readonly notInFile: string[];
  /** Things the person applying the file should know (a user created without a password...). */
  readonly notes: string[];
  readonly durationMs: number;
}

/**
 * Makes the store hold what the document describes, in one transaction: either everything is
 * written or, on any error, nothing is. Idempotent: each item is compared with what is stored
 * and written only when different (an unchanged password is checked with verifyPassword, not
 * re-hashed; a flow gets a new version only when its document changed), so applying the same
 * file twice reports everything unchanged and writes nothing the second time.
 *
 * Throws ProvisioningError for problems only the store can reveal (an attendant who exists
 * nowhere, a SIP username or e-mail address taken by something outside the file).
 */
export async function applyProvisioning(
  store: Store,
  doc: ProvisioningDocument,
  options: ApplyProvisioningOptions,
): Promise<ProvisioningReport> {
  const started = options.clock.now();
  const logger = options.logger ?? silentLogger;
  const report: ProvisioningReport = {
    created: [],
    changed: [],
    unchanged: [],
    notInFile: [],
    notes: [],
    durationMs: 0,
  };
  const total =
    doc.trunks.length +
    doc.users.reduce(
      (n, u) =>
        n +
        1 +
        u.numbers.length +
        u.devices.length +
        u.flows.length +
        u.handlingCodes.length +
        u.contacts.length,
      0,
    );
  let done = 0;
  const record = (outcome: Outcome, label: string) => {
    report[outcome].push(label);
    if (outcome !== 'unchanged') logger.debug({ item: label, outcome }, 'provisioning');
    done += 1;
    options.onProgress?.(done, total, label);
  };

  await store.transaction(async (repos) => {
    await checkAgainstStore(repos, doc);
    for (const trunk of doc.trunks) record(await applyTrunk(repos, trunk), `trunk ${trunk.id}`);
    const deferred = await applyUsers(repos, doc.users, record, report.notes);
    const storedDevices = await releaseMovingSipUsernames(repos, doc);
    for (const user of doc.users) {
      for (const e164 of user.numbers) {
        const existing = await repos.numbers.get(e164);
        if (existing?.userId === user.id) record('unchanged', `number ${e164}`);
        else {
          await repos.numbers.put(e164, user.id);
          record(existing ? 'changed' : 'created', `number ${e164}`);
        }
      }
      for (const device of user.devices) {
        const stored = storedDevices.get(`${user.id}/${device.id}`);
        let outcome: Outcome = 'unchanged';
        if (!stored || !sameDevice(stored, device)) {
          await repos.devices.put(device);
          outcome = stored ? 'changed' : 'created';
        }
        record(outcome, `device ${user.id}/${device.id}`);
      }
      // Flows in a provisioning file are meant to run: each is published (compiled with the
      // file's handling codes, which Match caller's pins depend on). The file was validated
      // whole, Go to references included, so publishing cannot fail here.
      const env = { handlingCodes: user.handlingCodes.map((c) => c.code) };
      for (const flow of user.flows) {
        const stored = await repos.flows.get(user.id, flow.id);
        const current = stored && (await repos.flows.getVersion(user.id, flow.id));
        const same =
          stored?.name === flow.name && current && sameJson(current.document, flow.document);
        const version = same
          ? current
          : await repos.flows.saveVersion(user.id, flow.id, flow.name, flow.document);
        const published = same && stored.publishedVersion === current.version;
        if (!published) {
          await repos.flows.publish(
            user.id,
            flow.id,
            version.version,
            compileFlowMap(flow.document, { env }),
          );
        }
        record(
          same ? (published ? 'unchanged' : 'changed') : stored ? 'changed' : 'created',
          `flow ${user.id}/${flow.id}`,
        );
      }
      for (const code of user.handlingCodes) {
        record(await applyHandlingCode(repos, code), `handling code ${user.id}/${code.code}`);
      }
      for (const contact of user.contacts) {
        record(
          await applyContact(repos, user.id, contact, options.newId ?? randomUUID),
          `contact ${user.id}/${contact.key}`,
        );
      }
    }
    // Attendants who are themselves new in this file exist only now (the column is a foreign key).
    for (const input of deferred) await repos.users.put(input);
    report.notInFile.push(...(await listNotInFile(repos, doc)));
  });

  const result = { ...report, durationMs: options.clock.now() - started };
  logger.info(
    {
      file: doc.fileName,
      created: result.created.length,
      changed: result.changed.length,
      unchanged: result.unchanged.length,
      notInFile: result.notInFile.length,
    },
    'provisioning applied',
  );
  return result;
}

type Outcome = 'created' | 'changed' | 'unchanged';

/** Lines for a terminal: counts, what changed, and what was kept because it is not in the file. */
export function formatProvisioningReport(report: ProvisioningReport): string[] {
  const lines = [
    `${String(report.created.length)} created, ${String(report.changed.length)} changed, ` +
      `${String(report.unchanged.length)} unchanged`,
    ...report.created.map((item) => `  + ${item}`),
    ...report.changed.map((item) => `  ~ ${item}`),
  ];
  if (report.notInFile.length > 0) {
    lines.push(
      `${String(report.notInFile.length)} item(s) in the store are not in the file and were kept ` +
        '(provisioning never deletes; a future --prune will):',
      ...report.notInFile.map((item) => `  = ${item}`),
    );
  }
  lines.push(...report.notes.map((note) => `note: ${note}`));
  return lines;
}

/** Problems that only the store can show; all are collected before anything is written. */
async function checkAgainstStore(repos: Repositories, doc: ProvisioningDocument): Promise<void> {
  const issues: ProvisioningIssue[] = [];
  const inFile = new Set(doc.users.map((u) => u.id));
  const describedDevices = new Set(
    doc.users.flatMap((u) => u.devices.map((d) => `${u.id}/${d.id}`)),
  );
  for (const user of doc.users) {
    if (
      user.attendantId !== null &&
      !inFile.has(user.attendantId) &&
      !(await repos.users.get(user.attendantId))
    ) {
      issues.push({
        path: `${user.path}.attendant`,
        message: `no user "${user.attendantId}" in the file or in the store`,
      });
    }
    const sameEmail = await repos.users.findByEmail(user.email);
    if (sameEmail && sameEmail.id !== user.id && !inFileWithOtherEmail(doc, sameEmail)) {
      issues.push({
        path: `${user.path}.email`,
        message: `${user.email} is already the e-mail address of user "${sameEmail.id}"`,
      });
    }
    for (const [i, device] of user.devices.entries()) {
      if (device.kind !== 'sip') continue;
      const holder = await repos.devices.findBySipUsername(device.sipUsername);
      if (!holder || (holder.userId === user.id && holder.id === device.id)) continue;
      // A device the file also describes gives its username up in this same run.
      if (describedDevices.has(`${holder.userId}/${holder.id}`)) continue;
      const key = `${holder.userId}/${holder.id}`;
      issues.push({
        path: `${user.path}.devices[${String(i)}].sip.username`,
        message:
          `"${device.sipUsername}" is the SIP username of device ${key} in the store, which this ` +
          'file does not change (provisioning does not delete it: remove it first)',
      });
    }
  }
  if (issues.length > 0) throw new ProvisioningError(issues, doc.fileName);
}

function inFileWithOtherEmail(doc: ProvisioningDocument, stored: User): boolean {
  const described = doc.users.find((u) => u.id === stored.id);
  return described !== undefined && described.email.toLowerCase() !== stored.email.toLowerCase();
}

async function applyTrunk(repos: Repositories, trunk: TrunkInput): Promise<Outcome> {
  const stored = await repos.trunks.get(trunk.id);
  if (stored && sameTrunk(stored, trunk)) return 'unchanged';
  await repos.trunks.put(trunk);
  return stored ? 'changed' : 'created';
}

function sameTrunk(a: Trunk, b: TrunkInput): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    sameJson(a.inbound, b.inbound) &&
    a.username === b.username &&
    a.password === b.password &&
    a.calledNumberFrom === (b.calledNumberFrom ?? 'request-uri')
  );
}

/**
 * Writes new and changed users. A user whose attendant is created later in this run is first
 * written with the attendant they had (or none) and returned, to be written again at the end.
 */
async function applyUsers(
  repos: Repositories,
  users: readonly ProvisionedUser[],
  record: (outcome: Outcome, label: string) => void,
  notes: string[],
): Promise<UserInput[]> {
  const deferred: UserInput[] = [];
  for (const user of users) {
    const stored = await repos.users.get(user.id);
    const samePassword =
      stored !== undefined &&
      (user.password === undefined || (await verifyPassword(user.password, stored.passwordHash)));
    const input: UserInput = {
      id: user.id,
      name: user.name,
      email: user.email,
      passwordHash: await passwordHashFor(user, stored, samePassword),
      timezone: user.timezone,
      country: user.country,
      role: user.role,
      attendantId: user.attendantId,
      defaultHandling: user.defaultHandling,
      unknownHandling: user.unknownHandling,
      ...(user.anonymousHandling === undefined
        ? {}
        : { anonymousHandling: user.anonymousHandling }),
    };
    if (stored && samePassword && sameUser(stored, input)) {
      record('unchanged', `user ${user.id}`);
      continue;
    }
    if (!stored && user.password === undefined) {
      notes.push(
        `user ${user.id} was created without a password and cannot sign in until one is set`,
      );
    }
    const attendantReady =
      input.attendantId === null || (await repos.users.get(input.attendantId)) !== undefined;
    if (attendantReady) await repos.users.put(input);
    else {
      await repos.users.put({ ...input, attendantId: stored?.attendantId ?? null });
      deferred.push(input);
    }
    record(stored ? 'changed' : 'created', `user ${user.id}`);
  }
  return deferred;
}

async function passwordHashFor(
  user: ProvisionedUser,
  stored: User | undefined,
  samePassword: boolean,
): Promise<string> {
  if (stored && samePassword) return stored.passwordHash;
  // No password given for a new user: a random one nobody knows, so the account cannot be
  // signed into until someone sets a password.
  return hashPassword(user.password ?? randomBytes(32).toString('base64url'));
}

function sameUser(a: User, b: UserInput): boolean {
  return (
    a.name === b.name &&
    a.email === b.email &&
    a.timezone === b.timezone &&
    a.country === b.country &&
    a.role === b.role &&
    a.attendantId === b.attendantId &&
    a.defaultHandling === b.defaultHandling &&
    a.unknownHandling === b.unknownHandling &&
    a.anonymousHandling === b.anonymousHandling
  );
}

/**
 * Reads the stored version of every device in the file and, where the file moves a SIP
 * username from one device to another, first gives the old holder a temporary username so the
 * server-wide unique index does not trip halfway through the run.
 */
async function releaseMovingSipUsernames(
  repos: Repositories,
  doc: ProvisioningDocument,
): Promise<Map<string, Device>> {
  const stored = new Map<string, Device>();
  const claimedBy = new Map<string, string>();
  for (const user of doc.users) {
    for (const device of user.devices) {
      const key = `${user.id}/${device.id}`;
      const current = await repos.devices.get(user.id, device.id);
      if (current) stored.set(key, current);
      if (device.kind === 'sip') claimedBy.set(device.sipUsername, key);
    }
  }
  for (const [key, current] of stored) {
    if (current.kind !== 'sip') continue;
    const claimant = claimedBy.get(current.sipUsername);
    if (claimant !== undefined && claimant !== key) {
      await repos.devices.put({
        kind: 'sip',
        id: current.id,
        userId: current.userId,
        name: current.name,
        sipUsername: `${current.sipUsername}~moving~${randomUUID()}`,
        sipPassword: current.sipPassword,
      });
    }
  }
  return stored;
}

function sameDevice(a: Device, b: DeviceInput): boolean {
  if (a.name !== b.name) return false;
  if (a.kind === 'sip' && b.kind === 'sip') {
    return a.sipUsername === b.sipUsername && a.sipPassword === b.sipPassword;
  }
  if (a.kind === 'external' && b.kind === 'external') return a.number === b.number;
  return false;
}

async function applyHandlingCode(repos: Repositories, code: HandlingCodeInput): Promise<Outcome> {
  const stored = await repos.handlingCodes.get(code.userId, code.code);
  if (stored && sameCode(stored, code)) return 'unchanged';
  await repos.handlingCodes.put(code);
  return stored ? 'changed' : 'created';
}

function sameCode(a: HandlingCode, b: HandlingCodeInput): boolean {
  return a.method === b.method && a.description === b.description;
}

async function applyContact(
  repos: Repositories,
  userId: string,
  contact: ProvisionedContact,
  newId: () => string,
): Promise<Outcome> {
  const stored = await repos.contacts.findByExternalId(userId, 'provision', contact.key);
  const input: ContactInput = {
    id: stored?.id ?? newId(),
    userId,
    source: 'provision',
    externalId: contact.key,
    name: contact.name,
    organization: contact.organization,
    emails: contact.emails,
    phones: contact.phones,
    handlingCode: contact.handlingCode,
  };
  if (stored && sameContact(stored, input)) return 'unchanged';
  await repos.contacts.put(input);
  return stored ? 'changed' : 'created';
}

async function listNotInFile(repos: Repositories, doc: ProvisioningDocument): Promise<string[]> {
  const out: string[] = [];
  const trunkIds = new Set(doc.trunks.map((t) => t.id));
  for (const trunk of await repos.trunks.list()) {
    if (!trunkIds.has(trunk.id)) out.push(`trunk ${trunk.id}`);
  }
  const userIds = new Set(doc.users.map((u) => u.id));
  for (const user of await repos.users.list()) {
    if (!userIds.has(user.id)) out.push(`user ${user.id}`);
  }
  for (const user of doc.users) {
    const numbers = new Set(user.numbers);
    for (const n of await repos.numbers.listByUser(user.id)) {
      if (!numbers.has(n.e164)) out.push(`number ${n.e164}`);
    }
    const devices = new Set(user.devices.map((d) => d.id));
    for (const d of await repos.devices.listByUser(user.id)) {
      if (!devices.has(d.id)) out.push(`device ${user.id}/${d.id}`);
    }
    const flows = new Set(user.flows.map((f) => f.id));
    for (const f of await repos.flows.listByUser(user.id)) {
      if (!flows.has(f.id)) out.push(`flow ${user.id}/${f.id}`);
    }
    const codes = new Set(user.handlingCodes.map((c) => c.code));
    for (const c of await repos.handlingCodes.listByUser(user.id)) {
      if (!codes.has(c.code)) out.push(`handling code ${user.id}/${c.code}`);
    }
    const contacts = new Set(user.contacts.map((c) => c.key));
    for (const c of await repos.contacts.listByUser(user.id)) {
      if (c.source === 'provision' && c.externalId !== null && !contacts.has(c.externalId)) {
        out.push(`contact ${user.id}/${c.externalId}`);
      }
    }
  }
  return out;
}
