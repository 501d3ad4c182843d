/**
 * How callers authenticate to the API: the modes of the `apiAuth` context key, named as the OpenAPI
 * document names its security schemes. One list, read by the CDK app (`infra/config.ts`), the
 * document (`openapi.ts`) and the `send` command, so that a mode cannot be added to one of them only.
 */

/**
 * `iam` (SigV4), `apiKey` (an API key and a usage plan) or `webhook` (a Standard Webhooks signature the
 * ingest function verifies; API Gateway checks nothing on `POST /v1/events`).
 */
export const API_AUTH_MODES = ['iam', 'apiKey', 'webhook'] as const;

/** One of {@link API_AUTH_MODES}. */
export type ApiAuthMode = (typeof API_AUTH_MODES)[number];

/**
 * The scheme `GET /v1/events/{eventId}` checks in a mode: the mode's own, but IAM in webhook mode,
 * where only the POST is a public webhook and reading statuses stays with AWS principals.
 */
export const statusRouteAuth = (mode: ApiAuthMode): Exclude<ApiAuthMode, 'webhook'> =>
  mode === 'webhook' ? 'iam' : mode;
