/**
 * What a flow's ring targets mean on the wire. A device that registers is rung at every contact
 * it has registered now (one leg per binding, forked), sent to where its REGISTER came from so a
 * phone behind NAT is reached; an external device or a number goes to the outbound trunk as
 * `sip:+E164@trunk-host:port`; a user means all of that user's devices.
 */
import type { Destination, TransportName } from '@switchboard/sip';
import type { RingTarget } from '@switchboard/flow';
import type { Device, Registration, Trunk } from '../domain/model/index.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Repositories } from '../domain/ports/store.js';
import type { TrunkDirectory } from './trunks.js';

/** One INVITE to send for a target. */
export interface LegPlan {
  /** The flow's target this leg rings (a device, a number, a user). */
  readonly target: RingTarget;
  /** A phone registered with us, or a number through a trunk. */
  readonly via: 'registration' | 'trunk';
  readonly uri: string;
  /** The next hop when it is not the URI's host (a phone's REGISTER source). */
  readonly destination?: Destination;
  /** Path of the registration (RFC 3327), used as the route set. */
  readonly route?: readonly string[];
  /** The trunk, for `via: 'trunk'` (its credentials answer the carrier's challenges). */
  readonly trunk?: Trunk;
}

/** The legs of one flow target, and why a part of it cannot ring. */
export interface RingStep {
  readonly target: RingTarget;
  readonly legs: readonly LegPlan[];
  /** E.g. `desk is not registered`, `no trunk for +1202...`: for the step log. */
  readonly problems: readonly string[];
}

export interface RingPlannerDeps {
  readonly store: Pick<Repositories, 'devices' | 'registrations'>;
  readonly trunks: TrunkDirectory;
  readonly clock: Clock;
}

const TRANSPORTS: ReadonlySet<string> = new Set<TransportName>(['udp', 'tcp', 'tls', 'ws', 'wss']);

export class RingPlanner {
  constructor(private readonly deps: RingPlannerDeps) {}

  /** One step per target, in order; a target that reaches nothing has no legs and a problem. */
  async plan(targets: readonly RingTarget[]): Promise<RingStep[]> {
    const steps: RingStep[] = [];
    for (const target of targets) steps.push(await this.planTarget(target));
    return steps;
  }

  private async planTarget(target: RingTarget): Promise<RingStep> {
    const legs: LegPlan[] = [];
    const problems: string[] = [];
    switch (target.kind) {
      case 'number':
        await this.viaTrunk(target, target.number, legs, problems);
        break;
      case 'device': {
        const device = await this.deps.store.devices.get(target.userId, target.deviceId);
        if (device === undefined)
          problems.push(`${target.userId} has no device ${target.deviceId}`);
        else await this.forDevice(target, device, legs, problems);
        break;
      }
      case 'user': {
        const devices = await this.deps.store.devices.listByUser(target.userId);
        if (devices.length === 0) problems.push(`${target.userId} has no devices`);
        for (const device of devices) await this.forDevice(target, device, legs, problems);
        break;
      }
    }
    return { target, legs, problems };
  }

  private async forDevice(
    target: RingTarget,
    device: Device,
    legs: LegPlan[],
    problems: string[],
  ): Promise<void> {
    if (device.kind === 'external') {
      await this.viaTrunk(target, device.number, legs, problems);
      return;
    }
    const now = this.deps.clock.now();
    const registrations = (
      await this.deps.store.registrations.listForUser(device.userId, now)
    ).filter((r) => r.deviceId === device.id);
    if (registrations.length === 0) {
      problems.push(`${device.id} (${device.sipUsername}) is not registered`);
      return;
    }
    for (const registration of registrations) legs.push(registrationLeg(target, registration));
  }

  private async viaTrunk(
    target: RingTarget,
    number: string,
    legs: LegPlan[],
    problems: string[],
  ): Promise<void> {
    const trunk = await this.deps.trunks.outbound();
    if (trunk === undefined) {
      problems.push(`no trunk to reach ${number}`);
      return;
    }
    legs.push({ target, via: 'trunk', uri: trunkUri(number, trunk), trunk });
  }
}

function registrationLeg(target: RingTarget, registration: Registration): LegPlan {
  const { source } = registration;
  const destination: Destination | undefined = TRANSPORTS.has(source.transport)
    ? {
        host: source.host,
        port: source.port,
        transport: source.transport,
        ...(source.connectionId === null ? {} : { connectionId: source.connectionId }),
      }
    : undefined;
  return {
    target,
    via: 'registration',
    uri: registration.contact,
    ...(destination === undefined ? {} : { destination }),
    ...(registration.path.length === 0 ? {} : { route: registration.path }),
  };
}

/** `sip:+E164@host:port` (an IPv6 host in brackets, RFC 3261 §25.1). */
export function trunkUri(number: string, trunk: Pick<Trunk, 'host' | 'port'>): string {
  return `sip:${number}@${uriHost(trunk.host)}:${String(trunk.port)}`;
}

export function uriHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
