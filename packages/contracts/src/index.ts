// API request/response schemas and live event types, shared by the server and the web client.
// Browser-safe: zod only, no Node imports.
export * from './common.js';
export * from './identifiers.js';
export * from './errors.js';
export * from './users.js';
export * from './auth.js';
export * from './numbers.js';
export * from './devices.js';
export * from './trunks.js';
export * from './handling-codes.js';
export * from './flows.js';
export * from './contacts.js';
export * from './calendar.js';
export * from './calls.js';
export * from './status.js';
export * from './call-events.js';
export * from './voicemails.js';
export * from './health.js';
export * from './events.js';
