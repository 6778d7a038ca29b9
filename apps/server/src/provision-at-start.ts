import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/schema.js';
import type { Clock } from './domain/ports/clock.js';
import type { Logger } from './domain/ports/logger.js';
import type { Store } from './domain/ports/store.js';
import {
  applyProvisioning,
  loadProvisioningFile,
  type ProvisioningDocument,
  type ProvisioningReport,
} from './domain/services/provisioning/index.js';
import { DEMO_PROVISIONING_FILE } from './version.js';

export interface ProvisionedAtStart {
  readonly file: string;
  readonly report: ProvisioningReport;
  /** True when the file was the demo data, loaded because the store had no users. */
  readonly demo: boolean;
  /** Who can sign in with a password set by this start, for the start-up banner. */
  readonly logins: readonly { email: string; password: string; role: string }[];
}

export interface ProvisionAtStartOptions {
  clock: Clock;
  logger: Logger;
  onProgress?: ((done: number, total: number, label: string) => void) | undefined;
  /** Makes the demo users' passwords; random unless a test wants to know them in advance. */
  newPassword?: () => string;
}

/**
 * Reads and checks the configured provisioning file, if any. Pure reading: called before the
 * store is opened so a bad file stops start-up with the store untouched.
 */
export async function loadConfiguredProvisioning(
  config: Config,
): Promise<ProvisioningDocument | undefined> {
  return config.provision === undefined ? undefined : loadProvisioningFile(config.provision);
}

/**
 * Applies the configured provisioning file at every start (idempotent), or, on a store with no
 * users and no file configured, the demo data, so a first `npm start` has something to sign in
 * with.
 */
export async function provisionAtStart(
  store: Store,
  config: Config,
  configured: ProvisioningDocument | undefined,
  options: ProvisionAtStartOptions,
): Promise<ProvisionedAtStart | undefined> {
  let document = configured;
  let file = config.provision;
  let demo = false;
  if (document === undefined && config.demo && (await store.users.count()) === 0) {
    file = fileURLToPath(DEMO_PROVISIONING_FILE);
    document = withFreshPasswords(
      await loadProvisioningFile(file),
      options.newPassword ?? randomPassword,
    );
    demo = true;
  }
  if (document === undefined || file === undefined) return undefined;
  const report = await applyProvisioning(store, document, {
    clock: options.clock,
    logger: options.logger,
    onProgress: options.onProgress,
  });
  options.logger.info(
    {
      file,
      demo,
      created: report.created.length,
      changed: report.changed.length,
      unchanged: report.unchanged.length,
    },
    demo ? 'demo data loaded' : 'provisioning file applied',
  );
  // Only passwords this start chose are worth printing: a configured file's are its author's.
  const logins = demo
    ? document.users.flatMap((user) =>
        user.password === undefined
          ? []
          : [{ email: user.email, password: user.password, role: user.role }],
      )
    : [];
  return { file, report, demo, logins };
}

/**
 * The demo file is public, and the server listens on every interface by default, so the demo
 * users must not keep its published passwords: each sign-in and SIP password is replaced by a
 * random one, and the sign-ins are printed once at start.
 */
function withFreshPasswords(
  document: ProvisioningDocument,
  newPassword: () => string,
): ProvisioningDocument {
  return {
    ...document,
    users: document.users.map((user) => ({
      ...user,
      password: user.password === undefined ? undefined : newPassword(),
      devices: user.devices.map((device) =>
        device.kind === 'sip' ? { ...device, sipPassword: newPassword() } : device,
      ),
    })),
  };
}

function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}
