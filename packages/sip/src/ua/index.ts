/** The user agent layer: UA core, incoming and outgoing calls, ringing, B2BUA pairs. */
export { AnswerRetransmitter, type AnswerRetransmitterState } from './answer-retransmitter.js';
export {
  B2buaPair,
  linkDialogs,
  type B2buaDelegate,
  type B2buaEnd,
  type B2buaSide,
  type B2buaState,
} from './b2bua-pair.js';
export {
  AckTimeoutError,
  InviteError,
  InviteStateError,
  UaOptionError,
  type InviteFailureKind,
} from './errors.js';
export {
  IncomingInvite,
  type AcceptOptions,
  type IncomingInviteState,
  type InviteAbortCause,
  type ProgressOptions,
} from './incoming-invite.js';
export { IncomingRequest } from './incoming-request.js';
export type { ResponseOptions } from './context.js';
export {
  OutgoingInvite,
  type InviteOptions,
  type InviteProgress,
  type OutgoingInviteState,
} from './outgoing-invite.js';
export { isLocalResponse } from './outgoing-request.js';
export { cancelFor, type OutgoingRequestOptions } from './request-builder.js';
export {
  RingError,
  type RingLeg,
  type RingLegOutcome,
  type RingResult,
  type RingTarget,
  type RingTargetsOptions,
} from './ring-targets.js';
export {
  UserAgent,
  type ContactOptions,
  type DialogRequestCall,
  type LocalAddresses,
  type PlaceCallOptions,
  type RegisterHandler,
  type RequestOptions,
  type UserAgentDelegate,
  type UserAgentOptions,
} from './user-agent.js';
