import type { CallDecision } from '@switchboard/contracts';
import type { Contact, User } from '../model/index.js';
import type { LiveCalls } from '../ports/live-calls.js';
import type { Repositories } from '../ports/store.js';
import { PhoneNumberError, toE164 } from './phone-numbers.js';

/** Why an override was refused, for the API to answer with the right status. */
export type OverrideErrorKind =
  /** No such call of this user in progress: 404. */
  | 'not-found'
  /** Answered, or the flow is ending the call: 409. */
  | 'conflict'
  /** Something in the request is wrong (a device not the user's, a bad number): 400. */
  | 'invalid';

export class CallOverrideError extends Error {
  constructor(
    readonly kind: OverrideErrorKind,
    message: string,
    /** The request field at fault, for `invalid` (`decision.deviceId`, `handlingCode`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CallOverrideError';
  }
}

export interface OverrideRequestInput {
  readonly user: User;
  readonly callId: string;
  readonly decision: CallDecision;
  /** "Always handle this caller this way": give the caller's contact `handlingCode`. */
  readonly remember: boolean;
  readonly handlingCode?: string | undefined;
  /** Who decided (a user id), for the call record. */
  readonly requestedBy: string;
}

export interface Remembered {
  readonly contactId: string;
  readonly handlingCode: string;
  readonly previous: string | null;
}

export interface OverrideResult {
  /** The decision as carried out: a forwarded number in E.164. */
  readonly decision: CallDecision;
  readonly remembered: Remembered | null;
  /** The contact as it is now, when `remember` changed it. */
  readonly contact: Contact | null;
}

export interface OverrideDeps {
  readonly repos: Pick<Repositories, 'devices' | 'handlingCodes' | 'contacts'>;
  readonly liveCalls: LiveCalls;
}

/**
 * The user's live decision for a call that is not answered yet (step 6 of the call path).
 *
 * Everything is checked before anything happens: the call is the user's and in progress, not
 * answered; a device named is one of the user's; a number is read in the user's country; the
 * attendant exists; with `remember`, the caller is a contact and the code is one of the user's.
 * Then the decision goes to the running call (which may still refuse it: it was answered or is
 * ending meanwhile), is recorded as an `override` step of the call record, and only once it was
 * carried out does `remember` change the contact's handling code: a refused override changes
 * nothing.
 */
export async function overrideCall(
  deps: OverrideDeps,
  input: OverrideRequestInput,
): Promise<OverrideResult> {
  const { repos, liveCalls } = deps;
  const user = input.user;
  const live = await liveCalls.get(input.callId);
  // Another user's call is "not found": its id says nothing to this user.
  if (live === undefined || live.userId !== user.id) {
    throw new CallOverrideError('not-found', `Call ${input.callId} is not in progress`);
  }
  if (live.answered) {
    throw new CallOverrideError(
      'conflict',
      `Call ${input.callId} has been answered; it can no longer be redirected`,
    );
  }
  const decision = await checkedDecision(repos, user, input.decision);

  let contact: Contact | undefined;
  let code: string | undefined;
  if (input.remember) {
    code = input.handlingCode?.trim().toUpperCase();
    if (code === undefined || code === '') {
      throw new CallOverrideError(
        'invalid',
        'remember needs the handlingCode to give the contact',
        'handlingCode',
      );
    }
    if ((await repos.handlingCodes.get(user.id, code)) === undefined) {
      throw new CallOverrideError(
        'invalid',
        `${code} is not one of your handling codes`,
        'handlingCode',
      );
    }
    contact =
      live.contactId === null ? undefined : await repos.contacts.get(user.id, live.contactId);
    if (contact === undefined) {
      throw new CallOverrideError(
        'invalid',
        'the caller is not one of your contacts: add them first to remember a handling code',
        'remember',
      );
    }
  }

  // The call records the override as a step of its own, in order with its other steps.
  const outcome = await liveCalls.override(input.callId, decision, {
    requestedBy: input.requestedBy,
    remember: code ?? null,
  });
  if (!outcome.ok) {
    throw new CallOverrideError(
      outcome.reason === 'not-found' ? 'not-found' : 'conflict',
      outcome.message,
    );
  }

  if (contact === undefined || code === undefined) {
    return { decision, remembered: null, contact: null };
  }
  const previous = contact.handlingCode;
  const updated =
    previous === code
      ? contact
      : await repos.contacts.put({
          id: contact.id,
          userId: contact.userId,
          source: contact.source,
          externalId: contact.externalId,
          name: contact.name,
          organization: contact.organization,
          emails: contact.emails,
          phones: contact.phones,
          handlingCode: code,
        });
  return {
    decision,
    remembered: { contactId: contact.id, handlingCode: code, previous },
    contact: updated,
  };
}

/** The decision with its references checked and its number in E.164. */
async function checkedDecision(
  repos: Pick<Repositories, 'devices'>,
  user: User,
  decision: CallDecision,
): Promise<CallDecision> {
  const ownDevice = async (deviceId: string, field: string): Promise<void> => {
    if ((await repos.devices.get(user.id, deviceId)) === undefined) {
      throw new CallOverrideError('invalid', `you have no device "${deviceId}"`, field);
    }
  };
  switch (decision.action) {
    case 'forward': {
      if (decision.deviceId !== undefined) {
        await ownDevice(decision.deviceId, 'decision.deviceId');
        return { action: 'forward', deviceId: decision.deviceId };
      }
      try {
        return { action: 'forward', number: toE164(decision.number ?? '', user.country) };
      } catch (error) {
        if (!(error instanceof PhoneNumberError)) throw error;
        throw new CallOverrideError('invalid', error.message, 'decision.number');
      }
    }
    case 'answer':
      await ownDevice(decision.deviceId, 'decision.deviceId');
      return decision;
    case 'attendant':
      if (user.attendantId === null) {
        throw new CallOverrideError('invalid', 'you have no attendant', 'decision.action');
      }
      return decision;
    case 'voicemail':
    case 'reject':
      return decision;
  }
}
