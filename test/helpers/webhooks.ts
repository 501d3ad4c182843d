/**
 * Standard Webhooks test support: fresh signing secrets, requests signed the way a sender signs them
 * (with the `standardwebhooks` package's own `sign`), and a secret source that caches like the real one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { CredentialsError } from '#shared/errors';
import type { SecretSource } from '#shared/tencent';

/** A fresh `whsec_` signing secret of 32 random bytes. */
export const signingSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The secret's JSON: `{"signingSecrets": [...]}`. */
export const webhookSecretJson = (...secrets: string[]): string =>
  JSON.stringify({ signingSecrets: secrets });

/** The three webhook headers. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The headers of a delivery of `body` signed with `secret` at `at` (default now), as a sender makes
 * them: `webhook-signature` is `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
 */
export function signedHeaders(
  secret: string,
  body: string | Buffer,
  options: { id?: string; at?: Date } = {},
): SignedHeaders {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/**
 * A secret source that caches like Powertools' provider: a plain read answers the cached value, a
 * forced read the current one (and caches it). `set` changes the current value, as a rotation does;
 * `expire` drops the cache, as its max age would. `fail` makes reads throw as an unreadable secret.
 */
export function cachingSecretSource(initial: string) {
  let current = initial;
  let cached: string | undefined;
  let failing = false;
  const reads: ('cached' | 'forced')[] = [];
  const source: SecretSource = {
    description: "'bridge/webhook'",
    async get({ forceFetch }) {
      reads.push(forceFetch ? 'forced' : 'cached');
      if (failing) throw new CredentialsError("could not read secret 'bridge/webhook'");
      if (forceFetch || cached === undefined) cached = current;
      return cached;
    },
  };
  return {
    source,
    reads,
    set: (value: string) => {
      current = value;
    },
    expire: () => {
      cached = undefined;
    },
    fail: (on: boolean) => {
      failing = on;
    },
  };
}
