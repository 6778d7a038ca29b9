/** The layers wired together: transport ⇄ transaction glue and a stack starter. */
export {
  TransportAdapter,
  type SourcedDestination,
  type TransportAdapterOptions,
} from './transport-adapter.js';
export { startSipStack, type ListenAddress, type SipStack, type SipStackOptions } from './stack.js';
