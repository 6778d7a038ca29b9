export {
  bridge,
  type Bridge,
  type BridgeEndpoint,
  type BridgeOptions,
  type BridgeStats,
} from './bridge.js';
export { FrameQueue, type FrameQueueStats } from './frame-queue.js';
