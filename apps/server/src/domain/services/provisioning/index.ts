export { applyProvisioning, formatProvisioningReport } from './apply.js';
export type { ApplyProvisioningOptions, ProvisioningReport } from './apply.js';
export type {
  ProvisionedContact,
  ProvisionedFlow,
  ProvisionedUser,
  ProvisioningDocument,
} from './document.js';
export { provisioningJsonSchema } from './json-schema.js';
export { loadProvisioningFile } from './load.js';
export { parseProvisioning, validateProvisioning } from './parse.js';
export type { ParseProvisioningOptions } from './parse.js';
export { ProvisioningError, formatIssue } from './provisioning-error.js';
export type { ProvisioningIssue } from './provisioning-error.js';
