import { describe, expect, it } from 'vitest';
import { manualClock, TEST_EPOCH } from '../test-support/fixtures.js';
import { useStore } from '../test-support/stores.js';
import { RingPlanner } from './ring-plan.js';
import { TrunkDirectory } from './trunks.js';
import { CELL, DESK, seedScene } from './test-support/scene.js';

const far = { host: '2001:db8::5', port: 5090 };

describe('what ring targets mean on the wire', () => {
  const clock = manualClock();
  const store = useStore('sqlite', { clock });

  async function planner(outboundTrunk?: string): Promise<RingPlanner> {
    clock.set(TEST_EPOCH);
    await seedScene(store(), far);
    const aor = `sip:${DESK.username}@switchboard.test`;
    await store().registrations.apply(aor, {
      sipUsername: DESK.username,
      remove: [],
      put: ['a', 'b'].map((key, i) => ({
        aor,
        key,
        contact: `sip:${DESK.username}@10.0.0.${String(i + 1)}:5062;transport=tcp`,
        expiresAt: TEST_EPOCH + 600_000,
        callId: `reg-${key}`,
        cseq: 1,
        q: null,
        instanceId: null,
        path: i === 0 ? ['<sip:edge.example;lr>'] : [],
        source: {
          transport: 'tcp',
          host: `198.51.100.${String(i + 1)}`,
          port: 40000 + i,
          connectionId: `c${key}`,
        },
        userAgent: null,
        updatedAt: TEST_EPOCH,
      })),
    });
    const trunks = new TrunkDirectory(store().trunks, clock, {
      ...(outboundTrunk === undefined ? {} : { outboundTrunk }),
    });
    return new RingPlanner({ store: store(), trunks, clock });
  }

  it('rings a phone at each of its registrations, where the REGISTER came from', async () => {
    const [step] = await (
      await planner()
    ).plan([{ kind: 'device', userId: 'alice', deviceId: 'desk' }]);
    expect(step?.problems).toEqual([]);
    expect(step?.legs).toEqual([
      {
        target: { kind: 'device', userId: 'alice', deviceId: 'desk' },
        via: 'registration',
        uri: 'sip:alice-desk@10.0.0.1:5062;transport=tcp',
        destination: { host: '198.51.100.1', port: 40000, transport: 'tcp', connectionId: 'ca' },
        route: ['<sip:edge.example;lr>'],
      },
      {
        target: { kind: 'device', userId: 'alice', deviceId: 'desk' },
        via: 'registration',
        uri: 'sip:alice-desk@10.0.0.2:5062;transport=tcp',
        destination: { host: '198.51.100.2', port: 40001, transport: 'tcp', connectionId: 'cb' },
      },
    ]);
  });

  it('sends numbers and external devices to the trunk, and a user to every device', async () => {
    const plan = await (
      await planner()
    ).plan([
      { kind: 'device', userId: 'alice', deviceId: 'cell' },
      { kind: 'number', number: '+4930123456' },
      { kind: 'user', userId: 'alice' },
    ]);
    expect(plan[0]?.legs.map((l) => [l.via, l.uri, l.trunk?.id])).toEqual([
      ['trunk', `sip:${CELL}@[2001:db8::5]:5090`, 'carrier'],
    ]);
    expect(plan[1]?.legs.map((l) => l.uri)).toEqual(['sip:+4930123456@[2001:db8::5]:5090']);
    // Alice's user: desk (two registrations), soft (none: a problem), cell (the trunk).
    expect(plan[2]?.legs.map((l) => l.uri)).toEqual([
      `sip:${CELL}@[2001:db8::5]:5090`,
      'sip:alice-desk@10.0.0.1:5062;transport=tcp',
      'sip:alice-desk@10.0.0.2:5062;transport=tcp',
    ]);
    expect(plan[2]?.problems).toEqual(['soft (alice-soft) is not registered']);
  });

  it('says why a target cannot ring', async () => {
    const plan = await (
      await planner('nowhere')
    ).plan([
      { kind: 'device', userId: 'alice', deviceId: 'pager' },
      { kind: 'number', number: '+4930123456' },
      { kind: 'user', userId: 'nobody' },
    ]);
    expect(plan.map((step) => [step.legs.length, step.problems])).toEqual([
      [0, ['alice has no device pager']],
      [0, ['no trunk to reach +4930123456']],
      [0, ['nobody has no devices']],
    ]);
  });

  it('forgets registrations that expired', async () => {
    const ring = await planner();
    clock.advance(600_000);
    const [step] = await ring.plan([{ kind: 'device', userId: 'alice', deviceId: 'desk' }]);
    expect(step?.legs).toEqual([]);
    expect(step?.problems).toEqual(['desk (alice-desk) is not registered']);
  });
});
