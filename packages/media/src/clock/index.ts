export { FakeScheduler } from './fake-scheduler.js';
export { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
export {
  PacingClock,
  sharedPacingClock,
  type PacedParticipant,
  type PacerMembership,
  type PacingClockOptions,
  type PacingStats,
} from './pacing-clock.js';
export {
  realScheduler,
  type MonotonicClock,
  type Scheduler,
  type TimerHandle,
} from './scheduler.js';
