// Public API of the media package: one line per folder.
export * from './wav/index.js';
export * from './resample/index.js';
export * from './player/index.js';
export * from './recorder/index.js';
export * from './speech/index.js';
export * from './frames.js';
export * from './codec/g711.js';
export * from './sdp/index.js';
export * from './rtp/index.js';
export * from './dtmf/index.js';
export * from './clock/index.js';
export * from './bridge/index.js';
