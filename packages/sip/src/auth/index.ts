// Public API of the Digest authentication layer.
export {
  computeDigestResponse,
  computeHa1,
  DIGEST_ALGORITHMS,
  parseDigestAlgorithm,
  type DigestAlgorithm,
  type DigestQop,
  type DigestResponseInput,
} from './digest-algorithm.js';
export {
  AuthHeaderFormatError,
  formatChallenge,
  formatCredentials,
  MAX_AUTH_HEADER_LENGTH,
  parseChallenges,
  parseCredentials,
  type AuthHeaderError,
  type AuthHeaderErrorCode,
  type AuthHeaderResult,
  type AuthParam,
  type DigestChallenge,
  type DigestCredentials,
} from './digest-header.js';
export {
  DigestAuthenticator,
  type CredentialLookup,
  type DigestAuthenticatorOptions,
  type StoredSecret,
  type VerifyFailReason,
  type VerifyInput,
  type VerifyResult,
} from './digest-server.js';
export {
  answerChallenge,
  authorize,
  DigestClientError,
  DigestSession,
  selectChallenge,
  type AnswerOptions,
  type AuthorizationHeader,
  type AuthorizeOptions,
  type ChallengeHeaderName,
  type ChosenChallenge,
  type DigestClientErrorCode,
  type DigestSessionOptions,
} from './digest-client.js';
export {
  FailureLimiter,
  type FailureLimiterOptions,
  type LimitDecision,
} from './failure-limiter.js';
