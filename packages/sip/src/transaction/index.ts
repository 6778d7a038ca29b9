/** The transaction layer (RFC 3261 §17, RFC 6026). */
export { ackForFinalResponse } from './ack.js';
export type {
  ClientTransactionUser,
  ClientTransactionView,
  ServerTransactionUser,
  TerminationListener,
  Transaction,
  TransactionEnvironment,
} from './base.js';
export { InviteClientTransaction, type InviteClientState } from './invite-client.js';
export { InviteServerTransaction, type InviteServerState } from './invite-server.js';
export { LingerQueue, type Lingering } from './linger-queue.js';
export {
  TransactionError,
  TransactionLayer,
  type ClientTransaction,
  type ServerTransaction,
  type TransactionLayerDelegate,
  type TransactionLayerOptions,
} from './layer.js';
export { NonInviteClientTransaction, type NonInviteClientState } from './non-invite-client.js';
export { NonInviteServerTransaction, type NonInviteServerState } from './non-invite-server.js';
export {
  DEFAULT_TIMER_CONFIG,
  systemTransactionClock,
  systemTransactionTimers,
  timerConfig,
  type TimerConfig,
  type TimerHandle,
  type TransactionTimers,
} from './timers.js';
export type {
  Destination,
  TransactionFailure,
  TransactionTransport,
  TransportName,
} from './transport.js';
