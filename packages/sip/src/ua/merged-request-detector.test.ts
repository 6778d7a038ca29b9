import { describe, expect, it } from 'vitest';
import { InviteServerTransaction, type ServerTransaction } from '../transaction/index.js';
import { harness, RecordingUser, request, UDP } from '../transaction/test-support/fixtures.js';
import { MergedRequestDetector } from './merged-request-detector.js';

function transaction(branch: string): ServerTransaction {
  return new InviteServerTransaction(request({ branch }), UDP, new RecordingUser(), harness().env);
}

describe('MergedRequestDetector (RFC 3261 §8.2.2.2)', () => {
  it('finds a copy on another branch while the first is live, and forgets it when it ends', () => {
    const detector = new MergedRequestDetector();
    const first = transaction('z9hG4bK-one');
    const copy = transaction('z9hG4bK-two');
    expect(detector.isMerged(request({ branch: 'z9hG4bK-one' }), first)).toBe(false);
    expect(detector.isMerged(request({ branch: 'z9hG4bK-two' }), copy)).toBe(true);
    expect(detector.size).toBe(1);
    detector.forget(copy); // never recorded: nothing happens
    expect(detector.size).toBe(1);
    detector.forget(first);
    expect(detector.size).toBe(0);
    // The request is no copy once the first transaction is gone.
    expect(detector.isMerged(request({ branch: 'z9hG4bK-two' }), copy)).toBe(false);
    detector.forget(copy);
    expect(detector.size).toBe(0);
  });

  it('never merges a request in a dialog (with a To tag)', () => {
    const detector = new MergedRequestDetector();
    expect(detector.isMerged(request({ toTag: 'x' }), transaction('z9hG4bK-a'))).toBe(false);
    expect(detector.size).toBe(0);
  });
});
