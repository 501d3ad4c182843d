/**
 * The ingest path in webhook mode (`apiAuth=webhook`): the signature is checked before anything else,
 * a refused request leaves nothing behind, and events sent without an eventId take theirs from the
 * `webhook-id`, so that a sender's retry of a delivery is a duplicate.
 */
import crypto from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CredentialsError,
  EventConflictError,
  MalformedBodyError,
  PayloadTooLargeError,
  ValidationError,
  WebhookRejectedError,
} from '#shared/errors';
import { errorResponse, type WebhookHeaders, WebhookVerifier } from '#shared/http';
import { acceptEvents, type EventQueue, type IngestResult, type QueueEntry } from '#shared/ingest';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import { cachingSecretSource, signedHeaders, signingSecret, webhookSecretJson } from '../helpers/webhooks';

const logger = new Logger({ logLevel: 'SILENT' });
const SECRET = signingSecret();

const event = (fields: Record<string, unknown> = {}) => ({
  groupId: '@TGS#2CLUZEAEJ',
  account: 'bob',
  action: 'mute',
  durationSeconds: 600,
  ...fields,
});

/** An ingest in webhook mode, with its ledger and what it enqueued. */
function webhookIngest(secretJson = webhookSecretJson(SECRET)) {
  const ledger = new MemoryLedgerStore();
  const sent: QueueEntry[] = [];
  const queue: EventQueue = {
    maxBatchSize: 10,
    maxBatchBytes: 262_144,
    async send(entries) {
      sent.push(...entries);
      return { refused: [] };
    },
  };
  const secrets = cachingSecretSource(secretJson);
  const verifier = new WebhookVerifier(secrets.source);
  /** POSTs a body with these headers; returns the answer or the error thrown. */
  const post = async (
    body: string,
    webhook: WebhookHeaders,
    options: { isBase64Encoded?: boolean } = {},
  ): Promise<{ result?: IngestResult; error?: unknown }> => {
    try {
      const result = await acceptEvents(
        {
          body,
          isBase64Encoded: options.isBase64Encoded ?? false,
          contentType: 'application/json',
          contentEncoding: undefined,
          webhook,
        },
        { queue, ledger, ledgerRetentionDays: 14, logger, maxBodyBytes: 4_096, webhook: verifier },
      );
      return { result };
    } catch (error) {
      return { error };
    }
  };
  /** POSTs a body signed with `secret` (default the deployment's). */
  const postSigned = (body: string, options: { id?: string; secret?: string } = {}) =>
    post(
      body,
      signedHeaders(options.secret ?? SECRET, body, options.id === undefined ? {} : { id: options.id }),
    );
  return { ledger, sent, post, postSigned, secrets };
}

describe('acceptEvents in webhook mode', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('gives a single event without an eventId the webhook-id as its eventId', async () => {
    // Prepare
    const ingest = webhookIngest();

    // Act
    const { result, error } = await ingest.postSigned(JSON.stringify(event()), { id: 'msg_2KWPBgLl' });

    // Assess
    expect(error).toBeUndefined();
    expect(result).toEqual({ accepted: [{ eventId: 'msg_2KWPBgLl' }] });
    expect(ingest.sent.map((entry) => entry.eventId)).toEqual(['msg_2KWPBgLl']);
    expect(ingest.ledger.items.get('msg_2KWPBgLl')?.status).toBe('queued');
  });

  it('gives event i of a batch {webhook-id}:{i}, and keeps the eventIds the sender gave', async () => {
    // Prepare
    const ingest = webhookIngest();
    const body = JSON.stringify({
      events: [event(), event({ eventId: 'mine-1', account: 'carol' }), event({ account: 'dave' })],
    });

    // Act
    const { result } = await ingest.postSigned(body, { id: 'msg_batch' });

    // Assess
    expect(result).toEqual({
      accepted: [{ eventId: 'msg_batch:0' }, { eventId: 'mine-1' }, { eventId: 'msg_batch:2' }],
    });
  });

  it('answers a replayed delivery (same webhook-id and body, signed again) as a duplicate, enqueued once', async () => {
    // Prepare
    const ingest = webhookIngest();
    const body = JSON.stringify({ events: [event(), event({ account: 'carol' })] });
    await ingest.postSigned(body, { id: 'msg_retry' });

    // Act
    const { result } = await ingest.postSigned(body, { id: 'msg_retry' });

    // Assess
    expect(result).toEqual({
      accepted: [
        { eventId: 'msg_retry:0', duplicate: true },
        { eventId: 'msg_retry:1', duplicate: true },
      ],
    });
    expect(ingest.sent.map((entry) => entry.eventId)).toEqual(['msg_retry:0', 'msg_retry:1']);
  });

  it('answers another body under a webhook-id already used with 409, enqueueing nothing more', async () => {
    // Prepare
    const ingest = webhookIngest();
    await ingest.postSigned(JSON.stringify(event()), { id: 'msg_reused' });

    // Act
    const { error } = await ingest.postSigned(JSON.stringify(event({ durationSeconds: 60 })), {
      id: 'msg_reused',
    });

    // Assess
    expect(error).toBeInstanceOf(EventConflictError);
    expect(ingest.sent).toHaveLength(1);
  });

  it.each([
    ['no signature headers', () => ({})],
    ['a tampered body', () => signedHeaders(SECRET, JSON.stringify(event({ durationSeconds: 1 })))],
    ['another secret', () => signedHeaders(signingSecret(), JSON.stringify(event()))],
    [
      'an old timestamp',
      () => signedHeaders(SECRET, JSON.stringify(event()), { at: new Date(Date.now() - 600_000) }),
    ],
  ])(
    'refuses a request with %s with a 401 naming the check, recording and enqueueing nothing',
    async (_, headers) => {
      // Prepare
      const ingest = webhookIngest();
      const sent: WebhookHeaders = headers();

      // Act
      const { error } = await ingest.post(JSON.stringify(event()), sent);
      const response = errorResponse(error, 'req-1');

      // Assess
      expect(error).toBeInstanceOf(WebhookRejectedError);
      expect(response.statusCode).toBe(401);
      expect(Object.keys(JSON.parse(response.body))).toEqual(['message']);
      expect(JSON.parse(response.body).message).toMatch(
        /^(missing webhook headers|webhook-signature|webhook-timestamp)/,
      );
      expect(response.body).not.toContain((sent['webhook-signature'] ?? 'v1,(none sent)').slice(3));
      expect(response.body).not.toContain(SECRET.slice(6));
      expect(ingest.ledger.log).toEqual([]);
      expect(ingest.sent).toEqual([]);
    },
  );

  it('checks the signature before the body is read: an unsigned bad body is a 401, not a 400', async () => {
    // Prepare
    const ingest = webhookIngest();

    // Act
    const { error } = await ingest.post('{"not json', {});

    // Assess
    expect(error).toBeInstanceOf(WebhookRejectedError);
  });

  it('reads a signed body with the strict parser, as any other: a signed bad body is a 400', async () => {
    // Prepare
    const ingest = webhookIngest();

    // Act
    const truncated = await ingest.postSigned('{"groupId": "@TGS#2CLUZEAEJ"');
    const twice = await ingest.postSigned(JSON.stringify(event()).replace('{', '{"account":"eve",'));

    // Assess
    expect(truncated.error).toBeInstanceOf(MalformedBodyError);
    expect(twice.error instanceof ValidationError && twice.error.issues).toEqual([
      { path: 'account', rule: 'duplicate key' },
    ]);
  });

  it('refuses a body over the size limit with 413 before any signature check', async () => {
    // Prepare
    const ingest = webhookIngest();

    // Act
    const { error } = await ingest.post(JSON.stringify(event({ reason: 'x'.repeat(5_000) })), {});

    // Assess
    expect(error).toBeInstanceOf(PayloadTooLargeError);
  });

  it.each([
    ['as text', false],
    ['in base64', true],
  ])(
    'refuses a signed body over the size limit %s with 413, reading no secret and hashing nothing',
    async (_, base64) => {
      // Prepare: well-formed, signed headers, so that only the size can refuse the request.
      const ingest = webhookIngest();
      const body = JSON.stringify(event({ reason: 'x'.repeat(5_000) }));
      const headers = signedHeaders(SECRET, body);
      const createHmac = jest.spyOn(crypto, 'createHmac');

      // Act
      const { error } = await ingest.post(base64 ? Buffer.from(body).toString('base64') : body, headers, {
        isBase64Encoded: base64,
      });

      // Assess
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(ingest.secrets.reads).toEqual([]);
      expect(createHmac).not.toHaveBeenCalled();
    },
  );

  it('verifies a base64 body over its bytes, then reads it as usual', async () => {
    // Prepare
    const ingest = webhookIngest();
    const bytes = Buffer.from(JSON.stringify(event({ reason: 'spam in the lobby' })), 'utf8');

    // Act
    const { result } = await ingest.post(
      bytes.toString('base64'),
      signedHeaders(SECRET, bytes, { id: 'msg_b64' }),
      {
        isBase64Encoded: true,
      },
    );

    // Assess
    expect(result).toEqual({ accepted: [{ eventId: 'msg_b64' }] });
  });

  it('refuses a webhook-id that cannot be an eventId with a 400 naming the header, unless every event has one', async () => {
    // Prepare
    const ingest = webhookIngest();

    // Act
    const missing = await ingest.postSigned(JSON.stringify(event()), { id: 'msg/with/slashes' });
    const given = await ingest.postSigned(JSON.stringify(event({ eventId: 'evt-own' })), {
      id: 'msg/with/slashes',
    });

    // Assess
    expect(missing.error).toBeInstanceOf(ValidationError);
    expect(missing.error instanceof ValidationError && missing.error.issues).toEqual([
      {
        path: '(header webhook-id)',
        rule: 'must be 1-128 characters of A-Z a-z 0-9 . _ : - to be the eventId of the event, which has none (or send eventIds)',
      },
    ]);
    expect(given.result).toEqual({ accepted: [{ eventId: 'evt-own' }] });
  });

  it('refuses, once, a webhook-id too long to take the index of a batch event', async () => {
    // Prepare: 127 characters fit one event, but not with ':0' appended.
    const ingest = webhookIngest();
    const body = JSON.stringify({ events: [event(), event({ account: 'carol' })] });

    // Act
    const { error } = await ingest.postSigned(body, { id: 'm'.repeat(127) });

    // Assess
    expect(error instanceof ValidationError && error.issues).toEqual([
      {
        path: '(header webhook-id)',
        rule: "must be 1-128 characters of A-Z a-z 0-9 . _ : - with ':0' appended, to be the eventId of events[0], which has none (or send eventIds)",
      },
    ]);
  });

  it('answers 503 with no internals, enqueueing nothing, when the signing secrets are malformed', async () => {
    // Prepare
    const ingest = webhookIngest(`{"signingSecrets": ["${SECRET.slice(6)}"]}`);

    // Act
    const { error } = await ingest.postSigned(JSON.stringify(event()));
    const response = errorResponse(error, 'req-1');

    // Assess
    expect(error).toBeInstanceOf(CredentialsError);
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      message: 'the signing secrets could not be read; nothing was enqueued: resend the same request later',
      requestId: 'req-1',
    });
    expect(ingest.ledger.log).toEqual([]);
  });
});
