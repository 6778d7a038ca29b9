import type { FlowMap } from '@switchboard/flow';
import type {
  ContactPhone,
  DeviceInput,
  HandlingCodeInput,
  Role,
  TrunkInput,
} from '../../model/index.js';

/**
 * A provisioning file after validation: numbers in E.164, handling codes upper-case, flow maps
 * read and validated, defaults filled in. This is what applyProvisioning writes; nothing in it
 * can fail validation any more, except checks that need the store (an attendant who is not in
 * the file, a SIP username a device outside the file already uses).
 */
export interface ProvisioningDocument {
  /** Shown in messages, e.g. `examples/demo.yaml`. */
  readonly fileName: string | undefined;
  readonly trunks: readonly TrunkInput[];
  readonly users: readonly ProvisionedUser[];
}

export interface ProvisionedUser {
  /** Where the user sits in the file (`users[2]`), for errors found while applying. */
  readonly path: string;
  readonly id: string;
  readonly name: string;
  readonly email: string;
  /** Plain sign-in password, or undefined to keep the stored one. */
  readonly password: string | undefined;
  readonly timezone: string;
  readonly country: string;
  readonly role: Role;
  readonly attendantId: string | null;
  readonly defaultHandling: string;
  readonly unknownHandling: string;
  /** For anonymous callers; absent: they get unknownHandling. */
  readonly anonymousHandling?: string;
  /** E.164 numbers (DIDs) that reach the user. */
  readonly numbers: readonly string[];
  readonly devices: readonly DeviceInput[];
  readonly handlingCodes: readonly HandlingCodeInput[];
  readonly flows: readonly ProvisionedFlow[];
  readonly contacts: readonly ProvisionedContact[];
}

export interface ProvisionedFlow {
  readonly id: string;
  readonly name: string;
  readonly document: FlowMap;
}

export interface ProvisionedContact {
  /** Stable key inside the user's provisioned contacts (the `id`, else the name). */
  readonly key: string;
  readonly name: string;
  readonly organization: string | null;
  readonly emails: readonly string[];
  readonly phones: readonly ContactPhone[];
  /** Upper-case handling code, or null. */
  readonly handlingCode: string | null;
}
