import type { Clock } from '../domain/ports/clock.js';
import type { DeviceInput, UserInput } from '../domain/model/index.js';

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` and returns the new now. */
  advance(ms: number): number;
  set(epochMs: number): void;
}

/** 2023-11-14T22:13:20Z: a fixed, round start so test times are easy to read. */
export const TEST_EPOCH = 1_700_000_000_000;

export function manualClock(start = TEST_EPOCH): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => (now += ms),
    set: (epochMs) => {
      now = epochMs;
    },
  };
}

/** A valid UserInput; `id` also seeds the e-mail address. Not a real password hash. */
export function userInput(id: string, overrides: Partial<UserInput> = {}): UserInput {
  return {
    id,
    name: `User ${id}`,
    email: `${id}@example.test`,
    passwordHash: 'scrypt$test$not-a-real-hash',
    timezone: 'Europe/Berlin',
    country: 'DE',
    role: 'user',
    attendantId: null,
    defaultHandling: 'builtin:ring-then-voicemail',
    unknownHandling: 'builtin:ring-then-voicemail',
    ...overrides,
  };
}

export function sipDeviceInput(userId: string, id: string, sipUsername: string): DeviceInput {
  return {
    kind: 'sip',
    userId,
    id,
    name: `${id} phone`,
    sipUsername,
    sipPassword: `pw-${sipUsername}`,
  };
}
