export * from './store.js';
export * from './clock.js';
export * from './logger.js';
export * from './errors.js';
export * from './live-calls.js';
export type * from './voicemail-box.js';
