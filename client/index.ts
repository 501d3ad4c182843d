/**
 * The bridge's typed client: `import { BridgeClient } from 'tencent-chat-moderation-bridge/client'`.
 * See docs/deploying.md, "The typed client and `npm run send`".
 */
export type { FieldIssue } from '#shared/errors';
export { BridgeError, ConfigError } from '#shared/errors';
export {
  type AwsCredentials,
  type BridgeAuth,
  type IamSigning,
  type WebhookHeaders,
  webhookHeaders,
} from './auth.ts';
export {
  BridgeClient,
  type BridgeClientOptions,
  type BridgeEvent,
  type EventOutcome,
  type EventResult,
  type EventStatus,
  type RetryNotice,
  type SendResult,
} from './client.ts';
export {
  BridgeRejectedError,
  BridgeServerError,
  type EventIdConflict,
  type GiveUpReason,
  RetriesExhaustedError,
  UnexpectedAnswerError,
} from './errors.ts';
export { DEFAULT_RETRY, type RetrySettings } from './retry.ts';
