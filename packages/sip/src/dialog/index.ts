/** The dialog layer (RFC 3261 §12): dialog state, in-dialog request building, routing. */
export {
  DEFAULT_MAX_FORWARDS,
  Dialog,
  DialogStateError,
  dialogKey,
  isTargetRefresh,
  type CreateRequestOptions,
  type DialogInit,
  type DialogRequest,
} from './dialog.js';
export { DialogLayer } from './dialog-layer.js';
export {
  applyRouteSet,
  destinationFor,
  isLooseRouter,
  looseRoute,
  parseRouteSet,
  type RoutedRequest,
} from './route-set.js';
export {
  SessionModification,
  type ModificationRefusal,
  type ModificationState,
} from './session-modification.js';
export type {
  DialogDelegate,
  DialogEnd,
  DialogEndCause,
  DialogHost,
  DialogId,
  DialogRequestOptions,
  DialogState,
  InDialogReply,
  SessionAnswer,
  SessionOffer,
} from './types.js';
