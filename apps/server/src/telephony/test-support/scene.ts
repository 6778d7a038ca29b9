/**
 * The people and things of the telephony tests: Alice with her number, a desk phone and a
 * softphone that register, a cell number behind the trunk; Bob (VIP), a robocaller (BLOCK) in
 * her contacts; the carrier's trunk. Each party is a SipPeer on its own loopback address:
 *
 *   127.0.0.1  the server, and the carrier (a trusted trunk source)
 *   127.0.0.2  a stranger (not a trunk, no credentials)
 *   127.0.0.3  Alice's desk phone          127.0.0.4  her softphone
 *   127.0.0.5  the carrier's far end (the trunk's host: cell phones, forwarded numbers)
 */
import type { Store } from '../../domain/ports/store.js';
import { userInput } from '../../test-support/fixtures.js';
import { SipPeer, type UasMode } from './sip-peer.js';

export const DID = '+12025550100';
export const CELL = '+12025550199';
export const BOB = '+12025550142';
export const ROBO = '+12025550166';
export const DESK = { username: 'alice-desk', password: 'desk-secret' } as const;
export const SOFT = { username: 'alice-soft', password: 'soft-secret' } as const;

export interface Peers {
  readonly carrier: SipPeer;
  readonly stranger: SipPeer;
  readonly desk: SipPeer;
  readonly soft: SipPeer;
  /** The trunk's far end. */
  readonly far: SipPeer;
  close(): Promise<void>;
}

export async function startPeers(
  modes: { desk?: UasMode; soft?: UasMode; far?: UasMode } = {},
): Promise<Peers> {
  const started: SipPeer[] = [];
  const start = async (name: string, host: string, mode?: UasMode): Promise<SipPeer> => {
    const peer = await SipPeer.start({ name, host, ...(mode === undefined ? {} : { mode }) });
    started.push(peer);
    return peer;
  };
  try {
    const peers = {
      carrier: await start('carrier', '127.0.0.1'),
      stranger: await start('stranger', '127.0.0.2'),
      desk: await start('desk', '127.0.0.3', modes.desk),
      soft: await start('soft', '127.0.0.4', modes.soft),
      far: await start('far', '127.0.0.5', modes.far),
    };
    return {
      ...peers,
      close: async () => {
        await Promise.all(started.map((peer) => peer.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((peer) => peer.close().catch(() => undefined)));
    throw error;
  }
}

export interface SceneOptions {
  /** Handling method of Bob's code VIP. */
  readonly vip?: string;
  readonly unknownHandling?: string;
  readonly defaultHandling?: string;
}

/** Alice, her number, devices, codes and contacts, and the carrier's trunk (to `far`). */
export async function seedScene(
  store: Store,
  far: { readonly host: string; readonly port: number },
  options: SceneOptions = {},
): Promise<void> {
  await store.users.put(
    userInput('alice', {
      name: 'Alice Archer',
      country: 'US',
      timezone: 'America/New_York',
      defaultHandling: options.defaultHandling ?? 'builtin:ring-then-voicemail',
      unknownHandling: options.unknownHandling ?? 'builtin:voicemail',
    }),
  );
  await store.numbers.put(DID, 'alice');
  for (const [id, account] of [
    ['desk', DESK],
    ['soft', SOFT],
  ] as const) {
    await store.devices.put({
      kind: 'sip',
      userId: 'alice',
      id,
      name: `${id} phone`,
      sipUsername: account.username,
      sipPassword: account.password,
    });
  }
  await store.devices.put({
    kind: 'external',
    userId: 'alice',
    id: 'cell',
    name: 'Cell',
    number: CELL,
  });
  await store.trunks.put({
    id: 'carrier',
    host: far.host,
    port: far.port,
    inbound: ['127.0.0.1'],
    username: null,
    password: null,
  });
  for (const [code, method] of [
    ['VIP', options.vip ?? 'builtin:forward:desk'],
    ['BLOCK', 'builtin:reject'],
  ] as const) {
    await store.handlingCodes.put({ userId: 'alice', code, method, description: null });
  }
  for (const [id, name, number, code] of [
    ['bob', 'Bob Boss', BOB, 'VIP'],
    ['robo', 'Persistent Robocaller', ROBO, 'BLOCK'],
  ] as const) {
    await store.contacts.put({
      id,
      userId: 'alice',
      source: 'api',
      externalId: null,
      name,
      organization: null,
      emails: [],
      phones: [{ e164: number, raw: number, type: 'work' }],
      handlingCode: code,
    });
  }
}

/** `sip:+1202...@127.0.0.1:port`: what the carrier sends to reach a number on the server. */
export function numberAt(number: string, server: { readonly port: number }): string {
  return `sip:${number}@127.0.0.1:${String(server.port)}`;
}
