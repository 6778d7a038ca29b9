import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InviteError } from '@switchboard/sip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toneEnergy } from '../../src/telephony/test-support/audio.js';
import { SipPeer } from '../../src/telephony/test-support/sip-peer.js';
import { waitFor } from '../../src/telephony/test-support/wait.js';
import { runCliProcess, type CliProcess } from '../support/cli-process.js';
import { HttpSession } from '../support/http.js';

const DID = '+12025550100';
const PROVISIONING = `
country: US
trunks:
  - id: carrier
    address: 127.0.0.5:5090
    inbound: [127.0.0.1]
users:
  - id: alice
    name: Alice Archer
    email: alice@example.test
    password: alice-e2e-pass
    timezone: America/New_York
    numbers: ['${DID}']
    devices:
      - id: desk
        name: Desk phone
        sip: { username: alice-desk, password: desk-e2e-pass }
    handling:
      default: builtin:reject
      unknown: builtin:reject
      codes:
        VIP: builtin:forward:desk
        BLOCK: builtin:reject
    contacts:
      - name: Bob Boss
        phones: ['+1 202 555 0142']
        handlingCode: VIP
      - name: Persistent Robocaller
        phones: ['+1 202 555 0166']
        handlingCode: BLOCK
`;

interface CallDto {
  callerNumber: string | null;
  outcome: string;
  answeredBy?: string | null;
}

// The telephony wiring as `switchboard start` runs it: SIP starts with the server on the
// configured address, phones register against the database, a carrier's call runs the user's
// handling method, and the API shows the call records.
describe('switchboard start: SIP and media with the server (built CLI)', () => {
  let dir: string;
  let server: CliProcess | undefined;
  let sipPort: number;
  let base: string;
  let carrier: SipPeer | undefined;
  let desk: SipPeer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-telephony-'));
    writeFileSync(join(dir, 'provisioning.yaml'), PROVISIONING);
    const portMin = 46000 + 2 * Math.floor(Math.random() * 2000);
    const started = runCliProcess(['start'], {
      SWITCHBOARD_DATA_DIR: join(dir, 'data'),
      SWITCHBOARD_PROVISION: join(dir, 'provisioning.yaml'),
      SWITCHBOARD_DEMO: 'false',
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_SIP_HOST: '127.0.0.1',
      SWITCHBOARD_SIP_PORT: '0',
      SWITCHBOARD_MEDIA_HOST: '127.0.0.1',
      SWITCHBOARD_MEDIA_PORT_MIN: String(portMin),
      SWITCHBOARD_MEDIA_PORT_MAX: String(portMin + 99),
      SWITCHBOARD_LOG_FORMAT: 'json',
    });
    server = started;
    const [, port] = await started.waitFor(/SIP listening on udp\/tcp 127\.0\.0\.1:(\d+)/);
    sipPort = Number(port);
    const [, url] = await started.waitFor(/Web client and API\s+(http:\/\/\S+)/);
    base = url!;
    carrier = await SipPeer.start({ name: 'carrier', host: '127.0.0.1' });
    desk = await SipPeer.start({ name: 'desk', host: '127.0.0.3' });
  });

  afterAll(async () => {
    await carrier?.close();
    await desk?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function running(): { server: CliProcess; carrier: SipPeer; desk: SipPeer } {
    if (server === undefined || carrier === undefined || desk === undefined) {
      throw new Error('the server did not start');
    }
    return { server, carrier, desk };
  }

  it('prints where SIP listens, with the RTP ports to open', async () => {
    const { server } = running();
    await server.waitFor(/Stop with Ctrl\+C/);
    expect(sipPort).toBeGreaterThan(0);
    expect(server.stdout()).toMatch(
      new RegExp(
        `SIP\\s+127\\.0\\.0\\.1:${String(sipPort)} \\(UDP and TCP\\), RTP ports \\d+-\\d+`,
      ),
    );
  });

  it('registers the desk phone, puts a VIP call through to it, and refuses a BLOCK caller', async () => {
    const { carrier, desk } = running();
    const registered = await desk.register(
      { host: '127.0.0.1', port: sipPort },
      'alice-desk',
      'desk-e2e-pass',
    );
    expect(registered.status).toBe(200);

    const uri = `sip:${DID}@127.0.0.1:${String(sipPort)}`;
    const blocked: unknown = await carrier.call(uri, { from: '<sip:+12025550166@127.0.0.1>' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(blocked).toBeInstanceOf(InviteError);
    expect((blocked as InviteError).status).toBe(603);

    desk.mode = { kind: 'answer', afterMs: 100 };
    const call = await carrier.call(uri, { from: '"Bob" <sip:+12025550142@127.0.0.1>' });
    const [received] = await desk.invitesReceived(1);
    await waitFor(() => received?.call !== undefined, 'the desk to answer');
    SipPeer.sendTone(received!.call!, 800);
    await waitFor(() => call.sink.frameCount > 25, 'audio from the desk through the server');
    expect(toneEnergy(call.sink.samples(20), 800)).toBeGreaterThan(1e9);
    await call.dialog.bye();
    await received!.call!.ended;

    const alice = new HttpSession(base);
    const login = await alice.request('POST', '/api/auth/login', {
      email: 'alice@example.test',
      password: 'alice-e2e-pass',
    });
    expect(login.status).toBe(200);
    let calls: CallDto[] = [];
    await waitFor(async () => {
      const response = await alice.request<{ items: CallDto[] }>('GET', '/api/users/alice/calls');
      calls = response.body.items;
      return calls.length === 2 && calls.every((c) => c.outcome !== 'in-progress');
    }, 'both call records');
    expect(calls).toEqual([
      expect.objectContaining({
        callerNumber: '+12025550142',
        outcome: 'answered',
        answeredBy: 'device:desk',
      }),
      expect.objectContaining({ callerNumber: '+12025550166', outcome: 'rejected' }),
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    const { server } = running();
    expect(await server.stop()).toBe(0);
    expect(server.stdout()).toContain('switchboard stopped');
  });
});
