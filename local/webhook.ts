/**
 * Webhook mode of the local stack (`npm start -- --auth webhook`): a development signing secret, the
 * signing a sender does, and the command `npm start` prints to send a signed request.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A fresh signing secret, `whsec_` and 32 random bytes in base64: for development only. */
export const developmentSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The secret's JSON, as the ingest reads it: `{"signingSecrets": [...]}`. */
export const webhookSecretString = (...signingSecrets: string[]): string =>
  JSON.stringify({ signingSecrets: signingSecrets });

/**
 * The headers a Standard Webhooks sender sends with `body`, signed with `secret` at `at`:
 * `webhook-signature` is `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`
 * (the `standardwebhooks` package's `Webhook.sign`).
 */
export function signDelivery(
  secret: string,
  body: string,
  id: string,
  at = new Date(),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** A value quoted for a POSIX shell. */
export const shellQuoted = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** The command that signs `body` with `secret` and POSTs it to `eventsUrl` (`local/webhook-send.ts`). */
export const webhookSendCommand = (eventsUrl: string, secret: string, body: string): string =>
  `WEBHOOK_SECRET=${shellQuoted(secret)} npm run --silent webhook:send -- ${eventsUrl} \\\n    ${shellQuoted(body)}`;
