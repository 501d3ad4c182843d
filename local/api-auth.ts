/**
 * The local API's authentication (`npm start -- --auth <mode>`), as API Gateway's method settings of the
 * deployed modes (`apiAuth`): `iam` checks each request's SigV4 signature against the local stack's
 * credentials (`sigv4-check.ts`), `apiKey` checks the `x-api-key` header, `webhook` checks nothing on
 * `POST /v1/events` (the ingest verifies its signature) and SigV4 on `GET /v1/events/{eventId}`, as the
 * deployed webhook mode does; `none`, the default, checks nothing. A refusal is API Gateway's 403.
 */
import { randomBytes } from 'node:crypto';
import {
  type ArrivedRequest,
  checkSigV4,
  equalInConstantTime,
  type SigV4Expectation,
} from './sigv4-check.ts';

/** The modes of `--auth`. */
export const LOCAL_AUTH_MODES = ['none', 'iam', 'apiKey', 'webhook'] as const;
export type LocalAuthMode = (typeof LOCAL_AUTH_MODES)[number];

/** How the local API authenticates callers. */
export type LocalApiAuth =
  | { mode: 'none' }
  /** SigV4 for `execute-api`, with these credentials and region. */
  | { mode: 'iam'; credentials: SigV4Expectation }
  /** The `x-api-key` header must hold this key. */
  | { mode: 'apiKey'; apiKey: string }
  /** POST unchecked here (the ingest verifies the webhook signature); GET signed with SigV4 as in `iam`. */
  | { mode: 'webhook'; credentials: SigV4Expectation };

/** The mode `startLocalStack` takes: it checks `iam` (and `webhook`'s GET) with its own credentials and region. */
export type LocalAuthChoice =
  | { mode: 'none' }
  | { mode: 'iam' }
  | { mode: 'apiKey'; apiKey: string }
  | { mode: 'webhook' };

/** A refused request: API Gateway's status, `x-amzn-ErrorType` and `{"message": ...}`. */
export interface AuthRefusal {
  statusCode: number;
  errorType: string;
  message: string;
}

/** Checks one request; `undefined` lets it through. */
export type Authorizer = (request: ArrivedRequest) => Promise<AuthRefusal | undefined>;

/** The check of a mode, or `undefined` for `none`. */
export function authorizerOf(auth: LocalApiAuth, now: () => Date = () => new Date()): Authorizer | undefined {
  switch (auth.mode) {
    case 'none':
      return undefined;
    case 'iam':
      return async (request) => {
        const refusal = await checkSigV4(request, auth.credentials, now());
        return refusal === undefined ? undefined : { statusCode: 403, ...refusal };
      };
    case 'webhook': {
      const iam = authorizerOf({ mode: 'iam', credentials: auth.credentials }, now);
      return async (request) => (request.method === 'POST' ? undefined : iam?.(request));
    }
    case 'apiKey':
      // API Gateway answers a missing or wrong key alike.
      return async (request) =>
        equalInConstantTime(request.headers['x-api-key'] ?? '', auth.apiKey)
          ? undefined
          : { statusCode: 403, errorType: 'ForbiddenException', message: 'Forbidden' };
  }
}

/** A development API key for `--auth apiKey` when none is given: 40 random characters, like API Gateway's. */
export const newLocalApiKey = (): string => randomBytes(30).toString('base64url');

/**
 * What a `curl` needs to pass the mode's check (curl signs SigV4 itself with `--aws-sigv4`), from a
 * space; in `webhook` mode, what its GET needs (a POST is signed by `npm run webhook:send` instead).
 */
export function curlAuth(auth: LocalApiAuth): string {
  switch (auth.mode) {
    case 'none':
      return '';
    case 'iam':
    case 'webhook': {
      const { accessKeyId, secretAccessKey, region } = auth.credentials;
      return ` --aws-sigv4 'aws:amz:${region}:execute-api' --user '${accessKeyId}:${secretAccessKey}'`;
    }
    case 'apiKey':
      return ` -H 'x-api-key: ${auth.apiKey}'`;
  }
}

/**
 * The lines `npm start` prints about the mode, with a `npm run send` that works against it.
 *
 * @param eventsUrl - the local `POST /v1/events` URL
 */
export function describeLocalAuth(auth: LocalApiAuth, eventsUrl: string): string[] {
  const send = 'npm run send -- mute --group @TGS#2CLUZEAEJ --account bob --duration 600 --reason spam';
  switch (auth.mode) {
    case 'none':
      return ['  Auth       none: requests are not authenticated (--auth iam or --auth apiKey checks them)'];
    case 'iam': {
      const { accessKeyId, secretAccessKey, region } = auth.credentials;
      return [
        `  Auth       iam: SigV4 for execute-api in ${region}, with access key ${accessKeyId} and secret ${secretAccessKey} (the local stack's)`,
        `    AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_REGION=${region} AWS_SESSION_TOKEN= \\`,
        `      ${send} --url ${eventsUrl} --auth iam`,
      ];
    }
    case 'apiKey':
      return [
        `  Auth       apiKey: x-api-key ${auth.apiKey} (a development key; LOCAL_API_KEY sets it)`,
        `    BRIDGE_API_KEY=${auth.apiKey} ${send} --url ${eventsUrl} --auth apiKey`,
      ];
    case 'webhook': {
      const { accessKeyId, secretAccessKey, region } = auth.credentials;
      return [
        `  Auth       webhook: every POST must carry a Standard Webhooks signature (the secret below); GET checks SigV4 in ${region} with access key ${accessKeyId} and secret ${secretAccessKey}`,
        `    BRIDGE_WEBHOOK_SECRET=<the secret below> ${send} --url ${eventsUrl} --auth webhook`,
      ];
    }
  }
}
