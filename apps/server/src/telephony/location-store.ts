/**
 * The registrar's location service on the server's database: sip's `LocationStore` over the
 * domain's `RegistrationRepository`, so registrations survive a restart and every instance on
 * one PostgreSQL sees the same phones. The only place that maps sip `Binding`s to domain
 * `Registration`s and back.
 */
import {
  tryParseUri,
  type Binding,
  type BindingChanges,
  type BindingSource,
  type LocationStore,
} from '@switchboard/sip';
import type { Registration, RegistrationInput } from '../domain/model/index.js';
import type { RegistrationRepository } from '../domain/ports/store.js';

export class RegistrationLocationStore implements LocationStore {
  constructor(private readonly registrations: RegistrationRepository) {}

  async list(aor: string, now: number): Promise<Binding[]> {
    return (await this.registrations.list(aor, now)).map(toBinding);
  }

  /**
   * Atomic by the repository's `apply`. The bindings are linked to the device whose SIP
   * username is the AOR's user part: the registrar's default authorization lets a username
   * register only its own AOR, so that device is the one that authenticated.
   */
  update(aor: string, changes: BindingChanges): Promise<void> {
    const sipUsername = aorUsername(aor);
    return this.registrations.apply(aor, {
      put: changes.put.map(toRegistrationInput),
      remove: changes.remove,
      ...(sipUsername === undefined ? {} : { sipUsername }),
    });
  }

  purgeExpired(now: number): Promise<number> {
    return this.registrations.purgeExpired(now);
  }
}

/** The percent-decoded user part of a `sip:` AOR (the registrar's canonical form), if any. */
export function aorUsername(aor: string): string | undefined {
  const uri = tryParseUri(aor);
  return uri?.kind === 'sip' ? uri.user : undefined;
}

export function toRegistrationInput(binding: Binding): RegistrationInput {
  return {
    aor: binding.aor,
    key: binding.key,
    contact: binding.contact,
    expiresAt: binding.expiresAt,
    callId: binding.callId,
    cseq: binding.cseq,
    q: binding.q ?? null,
    instanceId: binding.instanceId ?? null,
    path: binding.path ?? [],
    source: {
      transport: binding.source.transport,
      host: binding.source.host,
      port: binding.source.port,
      connectionId: binding.source.connectionId ?? null,
    },
    userAgent: binding.userAgent ?? null,
    updatedAt: binding.updatedAt,
  };
}

/** Absent optional fields stay absent, as the registrar wrote them (no `undefined` values). */
export function toBinding(registration: Registration): Binding {
  const source: BindingSource = {
    transport: registration.source.transport,
    host: registration.source.host,
    port: registration.source.port,
    ...(registration.source.connectionId === null
      ? {}
      : { connectionId: registration.source.connectionId }),
  };
  return {
    aor: registration.aor,
    key: registration.key,
    contact: registration.contact,
    expiresAt: registration.expiresAt,
    callId: registration.callId,
    cseq: registration.cseq,
    ...(registration.q === null ? {} : { q: registration.q }),
    ...(registration.instanceId === null ? {} : { instanceId: registration.instanceId }),
    ...(registration.path.length === 0 ? {} : { path: [...registration.path] }),
    source,
    ...(registration.userAgent === null ? {} : { userAgent: registration.userAgent }),
    updatedAt: registration.updatedAt,
  };
}
