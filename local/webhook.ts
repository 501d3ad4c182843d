/**
 * Webhook mode of the local stack (`npm start -- --auth webhook`): a development signing secret, and
 * the command `npm start` prints to send a signed request (`webhook-send.ts`, which signs with the
 * client's `webhookHeaders`).
 */
import { randomBytes } from 'node:crypto';

/** A fresh signing secret, `whsec_` and 32 random bytes in base64: for development only. */
export const developmentSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The secret's JSON, as the ingest reads it: `{"signingSecrets": [...]}`. */
export const webhookSecretString = (...signingSecrets: string[]): string =>
  JSON.stringify({ signingSecrets: signingSecrets });

/** A value quoted for a POSIX shell. */
export const shellQuoted = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** The command that signs `body` with `secret` and POSTs it to `eventsUrl` (`local/webhook-send.ts`). */
export const webhookSendCommand = (eventsUrl: string, secret: string, body: string): string =>
  `WEBHOOK_SECRET=${shellQuoted(secret)} npm run --silent webhook:send -- ${eventsUrl} \\\n    ${shellQuoted(body)}`;
