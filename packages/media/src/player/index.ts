// Public API of the player and its prompt cache.
export { ByteLru } from './byte-lru.js';
export {
  Playback,
  Player,
  type PlayerOptions,
  type PlayItem,
  type PlayOptions,
  type PlayResult,
} from './player.js';
export {
  PromptLibrary,
  PromptLoadError,
  type PromptLibraryOptions,
  type PromptLibraryStats,
} from './prompt-library.js';
