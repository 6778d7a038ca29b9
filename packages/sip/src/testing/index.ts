/** Test doubles for the layers of the stack: virtual time and a recording transport. */
export { FakeTimers } from './fake-timers.js';
export { FakeTransport, type SentMessage } from './fake-transport.js';
