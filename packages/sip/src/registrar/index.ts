// Public API of the registrar (RFC 3261 §10.3) and its location service.
export {
  InMemoryLocationStore,
  type Binding,
  type BindingChanges,
  type BindingSource,
  type LocationStore,
} from './location-store.js';
export { canonicalAor, defaultLimiterKey, Registrar, type RegistrarOptions } from './registrar.js';
