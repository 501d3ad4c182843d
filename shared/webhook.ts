import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { SecretSource } from './credentials.ts';
import { CredentialsError } from './errors.ts';

/**
 * Signed webhooks (`apiAuth=webhook`): the Standard Webhooks scheme (standardwebhooks.com, the one Svix
 * publishes). A sender signs `{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256 and a shared
 * `whsec_<base64>` secret and sends `webhook-signature: v1,<base64>` (several, space-separated, while it
 * rotates). The HMAC and its constant-time comparison are the `standardwebhooks` package's; this module
 * adds what the bridge needs around it: which check failed, the signing secrets from Secrets Manager
 * (several at once, for rotation without downtime), and answers as values rather than exceptions.
 */

/** The three headers of a Standard Webhooks delivery, as HTTP header names (lower case). */
export const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** One of {@link WEBHOOK_HEADERS}. */
export type WebhookHeaderName = (typeof WEBHOOK_HEADERS)[number];

/** The webhook headers of a request; a header the request lacks is absent. */
export type WebhookHeaders = Readonly<Partial<Record<WebhookHeaderName, string>>>;

/**
 * How far `webhook-timestamp` may lie from the bridge's clock, either way: 5 minutes, the tolerance the
 * `standardwebhooks` package applies (it has no setting for it).
 */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/**
 * Least time between two re-reads of the secret that a signature no cached signing secret gives can
 * force (per container): a rotated secret is picked up at once, while bad signatures cannot make a
 * Secrets Manager call each.
 */
export const WEBHOOK_SECRET_REFRESH_MS = 30_000;

/** Most signing secrets one secret may hold: every request is checked against each of them. */
export const MAX_SIGNING_SECRETS = 10;

/**
 * Fewest bytes of key a signing secret must hold: 24, the least the Standard Webhooks specification
 * advises (and the size of Svix's secrets).
 */
export const MIN_SIGNING_KEY_BYTES = 24;

/** The webhook headers among a request's headers, whose names may be in any case. */
export function webhookHeadersOf(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
): WebhookHeaders {
  const found: Partial<Record<WebhookHeaderName, string>> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (value !== undefined && (WEBHOOK_HEADERS as readonly string[]).includes(lower)) {
      found[lower as WebhookHeaderName] = value;
    }
  }
  return found;
}

/** Which check a request failed. */
export type WebhookFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'bad_signature';

/** What {@link WebhookVerifier.verify} found. */
export type WebhookCheck =
  /** A signing secret gives one of the request's signatures; `webhookId` is the delivery's id. */
  | { kind: 'verified'; webhookId: string }
  /**
   * The request does not prove its sender. `message` says which check failed, for the sender (a 401);
   * it never holds a signature or a secret. `webhookId` is the header's value, if any, for the logs.
   */
  | { kind: 'rejected'; failure: WebhookFailure; message: string; webhookId: string | undefined }
  /** The signing secrets could not be read or are malformed (a 503): the request could not be checked. */
  | { kind: 'unavailable'; error: CredentialsError };

/** The signing secrets of one value of the secret. */
interface SigningKeys {
  /** The secret string they were read from, to tell a new value from the cached one. */
  readonly secret: string;
  readonly webhooks: readonly Webhook[];
}

/** Options of {@link WebhookVerifier}. */
export interface WebhookVerifierOptions {
  /** @default {@link WEBHOOK_SECRET_REFRESH_MS} */
  refreshIntervalMs?: number;
}

const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * The message a request that failed a check is answered with (a 401): which check, and what to do,
 * never a signature or a secret. The OpenAPI document's examples of the 401 are these.
 *
 * @param missing - for `missing_headers`, the headers the request lacks, in {@link WEBHOOK_HEADERS} order
 */
export function webhookRejectionMessage(
  failure: WebhookFailure,
  missing: readonly WebhookHeaderName[] = [],
): string {
  switch (failure) {
    case 'missing_headers':
      return `missing webhook header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: sign each request with webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks)`;
    case 'invalid_timestamp':
      return 'webhook-timestamp must be the signing time in whole seconds since 1970-01-01T00:00:00Z';
    case 'timestamp_too_old':
      return 'webhook-timestamp is more than 5 minutes in the past: sign each delivery, and each retry, when it is sent';
    case 'timestamp_too_new':
      return "webhook-timestamp is more than 5 minutes in the future: check the sender's clock";
    case 'bad_signature':
      return 'webhook-signature does not match: no v1 signature of "{webhook-id}.{webhook-timestamp}.{body}" made with a current signing secret';
  }
}

const rejected = (
  failure: WebhookFailure,
  webhookId: string | undefined,
  missing: readonly WebhookHeaderName[] = [],
): WebhookCheck => ({
  kind: 'rejected',
  failure,
  message: webhookRejectionMessage(failure, missing),
  webhookId,
});

/**
 * Verifies Standard Webhooks signatures against the signing secrets of a secret holding
 * `{"signingSecrets": ["whsec_...", ...]}`. Any one of them may have signed a request, so a secret is
 * rotated by adding the new one, moving the senders to it, then removing the old one.
 *
 * The secret's value is cached by its source (per container); when no cached signing secret gives a
 * request's signature, the secret is re-read once, bypassing the cache (at most once per
 * {@link WEBHOOK_SECRET_REFRESH_MS}), so that a secret just added is taken at once.
 *
 * The clock is `Date.now`, which the `standardwebhooks` package reads as well.
 *
 * @example
 * ```ts
 * const verifier = new WebhookVerifier(secretsManagerSource(client, 'moderation-bridge/dev/singapore/webhook', 300));
 * const check = await verifier.verify(webhookHeadersOf(event.headers), event.body ?? '');
 * if (check.kind === 'verified') logger.appendKeys({ webhookId: check.webhookId });
 * ```
 */
export class WebhookVerifier {
  private readonly refreshIntervalMs: number;
  private keys: SigningKeys | undefined;
  private lastForcedAt = Number.NEGATIVE_INFINITY;
  private refresh: Promise<SigningKeys | CredentialsError> | undefined;

  constructor(
    private readonly source: SecretSource,
    options: WebhookVerifierOptions = {},
  ) {
    this.refreshIntervalMs = options.refreshIntervalMs ?? WEBHOOK_SECRET_REFRESH_MS;
  }

  /**
   * Checks a request's webhook headers and its signature over `body`, the body exactly as received:
   * the text API Gateway passed, or the bytes of a base64 body.
   */
  async verify(headers: WebhookHeaders, body: string | Buffer): Promise<WebhookCheck> {
    const id = headers['webhook-id'] || undefined;
    const timestamp = headers['webhook-timestamp'] ?? '';
    const signature = headers['webhook-signature'] ?? '';
    const missing = WEBHOOK_HEADERS.filter((name) => !headers[name]);
    if (id === undefined || missing.length > 0) return rejected('missing_headers', id, missing);
    if (!/^\d{1,15}$/.test(timestamp)) return rejected('invalid_timestamp', id);
    const age = Math.floor(Date.now() / 1000) - Number(timestamp);
    if (age > WEBHOOK_TOLERANCE_SECONDS) return rejected('timestamp_too_old', id);
    if (-age > WEBHOOK_TOLERANCE_SECONDS) return rejected('timestamp_too_new', id);

    const delivery = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
    const cached = await this.load(false);
    if (cached instanceof CredentialsError) return { kind: 'unavailable', error: cached };
    if (signedByOneOf(cached, delivery, body)) return { kind: 'verified', webhookId: id };
    const fresh = await this.reread(cached);
    if (fresh instanceof CredentialsError) return { kind: 'unavailable', error: fresh };
    if (fresh !== undefined && signedByOneOf(fresh, delivery, body))
      return { kind: 'verified', webhookId: id };
    return rejected('bad_signature', id);
  }

  /**
   * The secret's value read again, bypassing the cache, if it is not the `cached` one; `undefined`
   * when it is the same, or when the last forced read is too recent. Concurrent callers share a read.
   */
  private async reread(cached: SigningKeys): Promise<SigningKeys | CredentialsError | undefined> {
    if (this.refresh === undefined) {
      if (Date.now() - this.lastForcedAt < this.refreshIntervalMs) return undefined;
      this.lastForcedAt = Date.now();
      this.refresh = this.load(true).finally(() => {
        this.refresh = undefined;
      });
    }
    const fresh = await this.refresh;
    return fresh instanceof CredentialsError || fresh.secret !== cached.secret ? fresh : undefined;
  }

  /** The signing secrets of the secret's current value (from the source's cache unless `forceFetch`). */
  private async load(forceFetch: boolean): Promise<SigningKeys | CredentialsError> {
    let secret: string;
    try {
      secret = await this.source.get({ forceFetch });
    } catch (error) {
      if (error instanceof CredentialsError) return error;
      return new CredentialsError(`could not read secret ${this.source.description}`, { cause: error });
    }
    if (this.keys?.secret === secret) return this.keys;
    const parsed = parseSigningSecrets(secret, this.source.description);
    if (parsed instanceof CredentialsError) return parsed;
    this.keys = { secret, webhooks: parsed };
    return this.keys;
  }
}

/** Whether one of the keys gives one of the delivery's signatures. */
function signedByOneOf(
  keys: SigningKeys,
  delivery: Record<WebhookHeaderName, string>,
  body: string | Buffer,
): boolean {
  for (const webhook of keys.webhooks) {
    try {
      // `jsonParse: false`: the package would otherwise parse the body, leniently; the ingest parses it strictly.
      webhook.verify(body, delivery, { jsonParse: false });
      return true;
    } catch (error) {
      // Not this key. (The package checks the timestamp again; at the very edge of the tolerance its
      // later clock reading may refuse what was just allowed, which then reads as a bad signature.)
      if (error instanceof WebhookVerificationError) continue;
      throw error;
    }
  }
  return false;
}

/**
 * The signing secrets of a secret's value, `{"signingSecrets": ["whsec_<base64>", ...]}` (other keys
 * are ignored), or the error that says what is wrong, naming the secret and the entry, never a value.
 */
export function parseSigningSecrets(secret: string, description: string): Webhook[] | CredentialsError {
  const malformed = (rule: string) => new CredentialsError(`secret ${description} is malformed: ${rule}`);
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    // The parse error quotes the text, which is the secret: do not keep it as the cause.
    return new CredentialsError(`secret ${description} is not JSON`);
  }
  const list =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>).signingSecrets
      : undefined;
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_SIGNING_SECRETS) {
    return malformed(
      `it must be a JSON object with signingSecrets, an array of 1 to ${MAX_SIGNING_SECRETS} "whsec_<base64>" strings`,
    );
  }
  const webhooks: Webhook[] = [];
  for (const [index, entry] of list.entries()) {
    const at = `signingSecrets[${index}]`;
    if (typeof entry !== 'string' || !WHSEC.test(entry)) {
      return malformed(`${at} must be "whsec_" followed by base64`);
    }
    if (Buffer.from(entry.slice('whsec_'.length), 'base64').length < MIN_SIGNING_KEY_BYTES) {
      return malformed(`${at} must hold at least ${MIN_SIGNING_KEY_BYTES} bytes of key`);
    }
    try {
      webhooks.push(new Webhook(entry));
    } catch {
      // The package's message does not quote the key, but nothing of it is kept either way.
      return malformed(`${at} is not valid base64 after "whsec_"`);
    }
  }
  return webhooks;
}
