import { describe, expect, it } from 'vitest';
import { rejectElement } from './reject.js';
import { contextFor, recordingCall } from './test-support.js';

const parse = (raw: unknown) => rejectElement.config.parse(raw);
const issuesOf = (raw: unknown) =>
  (rejectElement.config.safeParse(raw).error?.issues ?? []).map((i) => i.path.join('.'));

describe('reject element', () => {
  describe('config', () => {
    it('defaults to busy', () => {
      expect(parse({})).toEqual({ reason: 'busy' });
      expect(parse({ reason: 'custom', code: 404, text: ' Not Here ' })).toEqual({
        reason: 'custom',
        code: 404,
        text: 'Not Here',
      });
    });

    it('needs a code for custom, and only for custom', () => {
      expect(issuesOf({ reason: 'custom' })).toEqual(['code']);
      expect(issuesOf({ reason: 'busy', code: 404 })).toEqual(['code']);
    });

    it('keeps codes to 400-699 that need no extra SIP headers', () => {
      for (const code of [399, 700, 200, 486.5, 401, 407, 405, 420, 421, 423, 494]) {
        expect(issuesOf({ reason: 'custom', code }), String(code)).toEqual(['code']);
      }
      for (const code of [400, 404, 480, 600, 699]) {
        expect(issuesOf({ reason: 'custom', code }), String(code)).toEqual([]);
      }
    });

    it('refuses an unknown reason and a reason text on several lines', () => {
      expect(issuesOf({ reason: 'rude' })).toEqual(['reason']);
      expect(issuesOf({ text: 'Busy\r\nX-Injected: 1' })).toEqual(['text']);
      expect(issuesOf({ text: '' })).toEqual(['text']);
    });
  });

  it('has no pins and no precondition (after an answer it hangs up instead)', () => {
    expect(rejectElement.pins(parse({}), { handlingCodes: [] })).toEqual([]);
    expect(rejectElement.preconditions).toEqual([]);
  });

  it.each([
    [{ reason: 'busy' }, 486],
    [{ reason: 'decline' }, 603],
    [{ reason: 'unavailable' }, 480],
    [{ reason: 'custom', code: 600 }, 600],
  ])('%o rejects with %i and ends the flow', async (raw, code) => {
    const call = recordingCall();
    const outcome = await rejectElement.run(contextFor(parse(raw), { call }));
    expect(call.operations).toEqual([{ op: 'reject', args: [code, undefined] }]);
    expect(outcome.ends).toBe(true);
    expect(outcome.detail).toEqual({ code });
  });

  it('sends the reason text', async () => {
    const call = recordingCall();
    const outcome = await rejectElement.run(
      contextFor(parse({ reason: 'decline', text: 'Not today' }), { call }),
    );
    expect(call.operations).toEqual([{ op: 'reject', args: [603, 'Not today'] }]);
    expect(outcome.detail).toEqual({ code: 603, text: 'Not today' });
  });

  it('hangs up instead when the call was answered after all', async () => {
    const call = recordingCall({ answered: true });
    const outcome = await rejectElement.run(contextFor(parse({}), { call }));
    expect(call.operations).toEqual([{ op: 'hangUp', args: [] }]);
    expect(outcome.ends).toBe(true);
  });
});
