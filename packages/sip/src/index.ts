// Room for the sip package; see docs/ARCHITECTURE.md for what it will own.
export {};

// Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): src/auth/.
export * from './auth/index.js';

// SIP messages (RFC 3261 §7, §20, §25): parser, model, builders, serializer, stream framing.
export * from './message/index.js';
