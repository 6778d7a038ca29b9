import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../message/index.js';
import { InviteError } from './errors.js';
import { RingError, type RingResult } from './ring-targets.js';
import { Harness, SDP_ANSWER, SDP_OFFER, peerResponse } from './test-support/harness.js';

const DESK = 'sip:desk@192.0.2.10';
const MOBILE = 'sip:mobile@192.0.2.11';
const SOFTPHONE = 'sip:soft@192.0.2.12';

/** The INVITE sent to the target with this host. */
function inviteTo(h: Harness, host: string): SipRequest {
  const found = h
    .requestsSent('INVITE')
    .filter((invite) => invite.uri.kind === 'sip' && invite.uri.host === host);
  const last = found[found.length - 1];
  if (last === undefined) throw new Error(`No INVITE to ${host}: ${h.describe()}`);
  return last;
}

function cancelsTo(h: Harness, host: string): SipRequest[] {
  return h.requestsSent('CANCEL').filter((c) => c.uri.kind === 'sip' && c.uri.host === host);
}

describe('ringTargets', () => {
  it('simultaneous: the first 2xx wins, the other legs are cancelled, a late 2xx is hung up', async () => {
    const h = new Harness();
    const progress: string[] = [];
    const ring = h.ua.ringTargets(
      [DESK, MOBILE, SOFTPHONE].map((uri) => ({ uri, sdp: SDP_OFFER })),
      {
        mode: 'simultaneous',
        onProgress: (index, p) => progress.push(`${String(index)}:${String(p.status)}`),
      },
    );
    expect(h.requestsSent('INVITE')).toHaveLength(3);
    const desk = inviteTo(h, '192.0.2.10');
    const mobile = inviteTo(h, '192.0.2.11');
    const soft = inviteTo(h, '192.0.2.12');
    // Each leg is its own call.
    expect(new Set([desk.callId, mobile.callId, soft.callId]).size).toBe(3);
    h.receive(peerResponse(desk, 180));
    h.receive(peerResponse(mobile, 180));
    h.receive(peerResponse(mobile, 200, { body: SDP_ANSWER }));
    const result: RingResult = await ring;
    expect(result.index).toBe(1);
    expect(result.target.uri).toBe(MOBILE);
    expect(result.dialog.state).toBe('confirmed');
    expect(progress).toEqual(['0:180', '1:180']);
    // The desk had rung: CANCEL at once. The softphone had not: CANCEL once it provisionally answers (§9.1).
    expect(cancelsTo(h, '192.0.2.10')).toHaveLength(1);
    expect(cancelsTo(h, '192.0.2.12')).toHaveLength(0);
    h.receive(peerResponse(soft, 100, { toTag: null }));
    expect(cancelsTo(h, '192.0.2.12')).toHaveLength(1);
    h.receive(peerResponse(desk, 487));
    // The softphone answers anyway: its 2xx is acknowledged and hung up.
    h.receive(peerResponse(soft, 200, { body: SDP_ANSWER }));
    await h.settle();
    expect(h.requestsSent('BYE').map((bye) => bye.uri.kind === 'sip' && bye.uri.host)).toEqual([
      '192.0.2.9', // the peer's Contact of the late 2xx
    ]);
    expect(result.legs.map((leg) => leg.outcome)).toEqual(['failed', 'answered', 'failed']);
    expect(result.legs[0]?.error?.kind).toBe('cancelled');
  });

  it('sequential: one target at a time, the next after a refusal or the ring time', async () => {
    const h = new Harness();
    const ring = h.ua.ringTargets([{ uri: DESK }, { uri: MOBILE }, { uri: SOFTPHONE }], {
      mode: 'sequential',
      timeoutMs: 20_000,
    });
    expect(h.requestsSent('INVITE')).toHaveLength(1);
    h.receive(peerResponse(inviteTo(h, '192.0.2.10'), 486));
    await h.settle();
    // The desk is busy: the mobile rings, for 20 s at most.
    const mobile = inviteTo(h, '192.0.2.11');
    h.receive(peerResponse(mobile, 180));
    h.timers.advance(20_000);
    expect(cancelsTo(h, '192.0.2.11')).toHaveLength(1);
    h.receive(peerResponse(mobile, 487));
    await h.settle();
    const soft = inviteTo(h, '192.0.2.12');
    h.receive(peerResponse(soft, 200));
    const result = await ring;
    expect(result.index).toBe(2);
    expect(result.legs.map((leg) => [leg.outcome, leg.error?.status])).toEqual([
      ['failed', 486],
      ['failed', 487],
      ['answered', undefined],
    ]);
  });

  it('rejects with RingError and the best status when nobody answers (§16.7 step 6)', async () => {
    const h = new Harness();
    const ring = h.ua.ringTargets([{ uri: DESK }, { uri: MOBILE }], { mode: 'simultaneous' });
    h.receive(peerResponse(inviteTo(h, '192.0.2.10'), 486));
    h.receive(peerResponse(inviteTo(h, '192.0.2.11'), 404));
    const error = await ring.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RingError);
    expect((error as RingError).status).toBe(404);
    expect((error as RingError).legs.every((leg) => leg.error instanceof InviteError)).toBe(true);
  });

  it('a 6xx decides for everyone; nothing but our own timeouts gives 480', async () => {
    const h = new Harness();
    const declined = h.ua.ringTargets([{ uri: DESK }, { uri: MOBILE }], { mode: 'sequential' });
    h.receive(peerResponse(inviteTo(h, '192.0.2.10'), 603));
    await h.settle();
    h.receive(peerResponse(inviteTo(h, '192.0.2.11'), 486));
    await expect(declined).rejects.toMatchObject({ status: 603 });

    const quiet = new Harness();
    const nobody = quiet.ua.ringTargets([{ uri: DESK }], {
      mode: 'simultaneous',
      timeoutMs: 5_000,
    });
    quiet.receive(peerResponse(inviteTo(quiet, '192.0.2.10'), 180));
    quiet.timers.advance(5_000);
    quiet.receive(peerResponse(inviteTo(quiet, '192.0.2.10'), 487));
    await expect(nobody).rejects.toMatchObject({ status: 480 });
  });

  it('the caller hanging up cancels every leg (487)', async () => {
    const h = new Harness();
    const controller = new AbortController();
    const ring = h.ua.ringTargets([{ uri: DESK }, { uri: MOBILE }], {
      mode: 'simultaneous',
      signal: controller.signal,
    });
    h.receive(peerResponse(inviteTo(h, '192.0.2.10'), 180));
    h.receive(peerResponse(inviteTo(h, '192.0.2.11'), 180));
    controller.abort();
    expect(h.requestsSent('CANCEL')).toHaveLength(2);
    h.receive(peerResponse(inviteTo(h, '192.0.2.10'), 487));
    h.receive(peerResponse(inviteTo(h, '192.0.2.11'), 487));
    await expect(ring).rejects.toMatchObject({ status: 487 });
    await expect(h.ua.ringTargets([], { mode: 'sequential' })).rejects.toBeInstanceOf(RangeError);
  });
});
