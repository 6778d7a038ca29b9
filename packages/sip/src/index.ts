// Room for the sip package; see docs/ARCHITECTURE.md for what it will own.
export {};

// Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): src/auth/.
export * from './auth/index.js';

// SIP messages (RFC 3261 §7, §20, §25): parser, model, builders, serializer, stream framing.
export * from './message/index.js';

// SIP transports (RFC 3261 §18, RFC 3581, RFC 5626 §4.4.1): UDP, TCP, size rule, response routing.
export * from './transport/index.js';

// Transactions (RFC 3261 §17, RFC 6026): src/transaction/. Test doubles live in src/testing/.
export * from './transaction/index.js';

// The layers wired together (transport ⇄ transaction glue, stack starter): src/stack/.
export * from './stack/index.js';

// Registrar (RFC 3261 §10.3) and the location store it writes: src/registrar/.
export * from './registrar/index.js';

// Dialogs (RFC 3261 §12): state, in-dialog requests, route sets: src/dialog/.
export * from './dialog/index.js';

// The user agent core, incoming and outgoing calls, ringing, B2BUA pairs: src/ua/.
export * from './ua/index.js';

// The facade: a running user agent on the whole stack (createSipStack).
export { createSipStack, type CreateSipStackOptions, type SipUserAgent } from './sip-stack.js';
