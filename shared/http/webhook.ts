import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { CredentialsError } from '../errors/index.ts';
import type { SecretSource } from '../tencent/index.ts';

/**
 * Signed webhooks (`apiAuth=webhook`): the Standard Webhooks scheme (standardwebhooks.com, the one Svix
 * publishes). A sender signs `{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256 and a shared
 * `whsec_<base64>` secret and sends `webhook-signature: v1,<base64>` (several, space-separated, while it
 * rotates). This module checks that signature, and adds what the bridge needs around it: which check
 * failed, the signing secrets from Secrets Manager (several at once, for rotation without downtime), and
 * answers as values rather than exceptions.
 *
 * The HMAC is Node's (`node:crypto`), not the `standardwebhooks` package's `verify`: with the API public,
 * every forged request costs a check, and the package hashes in pure JavaScript (`fast-sha256`), 3 to 5 ms
 * of CPU per 256 KiB body and signing secret, so 10 secrets made one rejection cost 34 to 51 ms (`npm run
 * bench -- --only webhook`; issue 17). Node's native HMAC takes about a twentieth of that (under 2 ms for
 * the 10), and the scheme is small enough to write out (see {@link WebhookVerifier.verify}); the package
 * still validates the secrets (`parseSigningSecrets`), and the tests sign with it to check that what it
 * signs verifies here.
 */

/** The three headers of a Standard Webhooks delivery, as HTTP header names (lower case). */
export const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** One of {@link WEBHOOK_HEADERS}. */
export type WebhookHeaderName = (typeof WEBHOOK_HEADERS)[number];

/** The webhook headers of a request; a header the request lacks is absent. */
export type WebhookHeaders = Readonly<Partial<Record<WebhookHeaderName, string>>>;

/**
 * How far `webhook-timestamp` may lie from the bridge's clock, either way: 5 minutes, the tolerance the
 * Standard Webhooks libraries apply (the `standardwebhooks` package has no setting for it).
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

/** The signing keys of one value of the secret. */
interface SigningKeys {
  /** The secret string they were read from, to tell a new value from the cached one. */
  readonly secret: string;
  /**
   * The distinct keys (a secret listed twice is one key), by the base64 of their bytes: the same key in
   * the cached and in a re-read value is then one key, hashed once per request.
   */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Options of {@link WebhookVerifier}. */
export interface WebhookVerifierOptions {
  /** @default {@link WEBHOOK_SECRET_REFRESH_MS} */
  refreshIntervalMs?: number;
}

const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * One well-formed entry of `webhook-signature`: `v1,` and the canonical base64 of a 32-byte HMAC-SHA256
 * digest (43 characters, the last one with its two unused bits zero, and one `=`), as every Standard
 * Webhooks signer writes it. Any other entry (another version, another length) can match no digest.
 */
const V1_SIGNATURE = /^v1,([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$/;

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
 * The clock is `Date.now`.
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
   *
   * What needs no HMAC is refused first, before the secret is even read: a missing header, a timestamp
   * that is not whole seconds or lies outside the tolerance, a `webhook-signature` with no well-formed
   * `v1` entry. Then the signature (Standard Webhooks): base64 of HMAC-SHA256, keyed with the bytes of a
   * signing secret after `whsec_`, of `{webhook-id}.{webhook-timestamp}.{body}` (the headers as sent),
   * compared in constant time with each `v1` entry. Each distinct key is hashed at most once per request,
   * also when a mismatch makes the secret be read again.
   */
  async verify(headers: WebhookHeaders, body: string | Buffer): Promise<WebhookCheck> {
    const id = headers['webhook-id'] || undefined;
    const timestamp = headers['webhook-timestamp'] ?? '';
    const missing = WEBHOOK_HEADERS.filter((name) => !headers[name]);
    if (id === undefined || missing.length > 0) return rejected('missing_headers', id, missing);
    if (!/^\d{1,15}$/.test(timestamp)) return rejected('invalid_timestamp', id);
    const age = Math.floor(Date.now() / 1000) - Number(timestamp);
    if (age > WEBHOOK_TOLERANCE_SECONDS) return rejected('timestamp_too_old', id);
    if (-age > WEBHOOK_TOLERANCE_SECONDS) return rejected('timestamp_too_new', id);
    const signatures = v1Signatures(headers['webhook-signature'] ?? '');
    if (signatures.length === 0) return rejected('bad_signature', id);

    const cached = await this.load(false);
    if (cached instanceof CredentialsError) return { kind: 'unavailable', error: cached };
    const signedBy = signatureCheck(`${id}.${timestamp}.`, body, signatures);
    if (signedBy(cached)) return { kind: 'verified', webhookId: id };
    const fresh = await this.reread(cached);
    if (fresh instanceof CredentialsError) return { kind: 'unavailable', error: fresh };
    if (fresh !== undefined && signedBy(fresh)) return { kind: 'verified', webhookId: id };
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
    this.keys = { secret, keys: new Map(parsed.map((key) => [key.toString('base64'), key])) };
    return this.keys;
  }
}

/** The digests of the well-formed `v1` entries of a `webhook-signature` header (see {@link V1_SIGNATURE}). */
function v1Signatures(header: string): Buffer[] {
  const digests: Buffer[] = [];
  for (const entry of header.split(' ')) {
    const base64 = V1_SIGNATURE.exec(entry)?.[1];
    if (base64 !== undefined) digests.push(Buffer.from(base64, 'base64'));
  }
  return digests;
}

/**
 * The signature check of one request: whether a key of a set gives one of `signatures`. Each key is
 * hashed once: a key already tried (it gave none, or the check would have ended) is skipped when a later
 * set, the secret read again, holds it too.
 *
 * @param signed - `{webhook-id}.{webhook-timestamp}.`, which the body follows in the signed content
 */
function signatureCheck(
  signed: string,
  body: string | Buffer,
  signatures: readonly Buffer[],
): (keys: SigningKeys) => boolean {
  // The body's bytes once, not once per key: a string body is UTF-8, as the sender signed it.
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const tried = new Set<string>();
  return (keys) => {
    for (const [name, key] of keys.keys) {
      if (tried.has(name)) continue;
      tried.add(name);
      const digest = createHmac('sha256', key).update(signed, 'utf8').update(bytes).digest();
      if (signatures.some((signature) => timingSafeEqual(signature, digest))) return true;
    }
    return false;
  };
}

/**
 * The signing keys of a secret's value, `{"signingSecrets": ["whsec_<base64>", ...]}` (other keys are
 * ignored): for each entry, the bytes its base64 after `whsec_` decodes to. Or the error that says what is
 * wrong, naming the secret and the entry, never a value.
 */
export function parseSigningSecrets(secret: string, description: string): Buffer[] | CredentialsError {
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
  const keys: Buffer[] = [];
  for (const [index, entry] of list.entries()) {
    const at = `signingSecrets[${index}]`;
    if (typeof entry !== 'string' || !WHSEC.test(entry)) {
      return malformed(`${at} must be "whsec_" followed by base64`);
    }
    const key = Buffer.from(entry.slice('whsec_'.length), 'base64');
    if (key.length < MIN_SIGNING_KEY_BYTES) {
      return malformed(`${at} must hold at least ${MIN_SIGNING_KEY_BYTES} bytes of key`);
    }
    try {
      // A key the Standard Webhooks package would refuse is refused here too (the pattern above leaves it
      // none to refuse today; this keeps the two in step if either changes).
      new Webhook(entry);
    } catch {
      // The package's message does not quote the key, but nothing of it is kept either way.
      return malformed(`${at} is not valid base64 after "whsec_"`);
    }
    keys.push(key);
  }
  return keys;
}
