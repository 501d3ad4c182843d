/**
 * The real handlers' answers against the OpenAPI document: every status the ingest and status
 * functions answer, produced the way a caller would meet it, must conform to the schema the document
 * gives that status. The 403 and 429 are API Gateway's; the webhook check's 401s are checked in
 * `webhook-handler.test.ts`, with the ingest in webhook mode; the 500 has no handler path to trigger and
 * is checked on `errorResponse` in `test/unit/openapi.test.ts`.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { LEDGER_STATUSES } from '#shared/ledger';
import { apiEvent, eventBody, lambdaContext } from '../helpers/factories';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';
import { documentValidator } from '../helpers/openapi';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const sqs = mockClient(SQSClient);
const validator = documentValidator();
let ingest: Handler;
let status: Handler;
let ledgerTable: LedgerTable;
const outputSpies: jest.SpyInstance[] = [];

beforeAll(async () => {
  // The handlers log their refusals; the lines are not what this file checks.
  for (const stream of [process.stdout, process.stderr]) {
    outputSpies.push(jest.spyOn(stream, 'write').mockImplementation(() => true));
  }
  ledgerTable = await startLedgerTable();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ledgerTable.endpoint;
  ({ handler: ingest } = await import('../../functions/ingest'));
  ({ handler: status } = await import('../../functions/status'));
});

afterAll(async () => {
  for (const spy of outputSpies) spy.mockRestore();
  await ledgerTable.close();
});

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

const post = (body: unknown, overrides: Parameters<typeof apiEvent>[0] = {}) =>
  ingest(
    apiEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), ...overrides }),
    lambdaContext(),
  );

const get = (eventId: string) =>
  status(
    {
      ...apiEvent({ headers: {} }),
      httpMethod: 'GET',
      resource: '/v1/events/{eventId}',
      path: `/v1/events/${encodeURIComponent(eventId)}`,
      pathParameters: { eventId },
    },
    lambdaContext(),
  );

/** The answer's status and whether its body conforms to the document's schema for that status. */
const conformance = (path: string, method: string, answer: APIGatewayProxyResult) => ({
  statusCode: answer.statusCode,
  errors: validator.response(path, method, answer.statusCode, JSON.parse(answer.body)).errors,
});

const mute = (fields: Record<string, unknown> = {}) =>
  eventBody({ action: 'mute', durationSeconds: 600, ...fields });

describe('POST /v1/events answers conform to the document', () => {
  it.each<[string, () => Promise<APIGatewayProxyResult>, number]>([
    ['accepted', () => post(mute({ eventId: 'oa-1' })), 202],
    [
      'a batch with a generated eventId',
      () => post({ events: [mute(), eventBody({ action: 'unmute' })] }),
      202,
    ],
    ['invalid fields', () => post({ events: [mute({ durationSeconds: 0 }), { action: 'ban' }] }), 400],
    [
      'more issues than are listed',
      () =>
        post({ events: Array.from({ length: 100 }, () => ({ groupId: 'g', account: 'a b', action: 'x' })) }),
      400,
    ],
    ['a key twice', () => post('{"groupId":"g","account":"bob","account":"carol","action":"unmute"}'), 400],
    ['not JSON', () => post('{"groupId": "g",}'), 400],
    ['an empty body', () => post(''), 400],
    ['too large', () => post(mute({ reason: 'r'.repeat(1_100_000) })), 413],
    ['not JSON media', () => post(mute(), { headers: { 'Content-Type': 'text/plain' } }), 415],
    [
      'compressed',
      () => post(mute(), { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } }),
      415,
    ],
  ])('%s', async (_case, send, expected) => {
    // Act
    const answer = await send();

    // Assess
    expect(conformance('/v1/events', 'post', answer)).toEqual({ statusCode: expected, errors: [] });
  });

  it('a resend (202 duplicate) and another event under a used eventId (409)', async () => {
    // Prepare
    await post(mute({ eventId: 'oa-dup' }));

    // Act
    const resend = await post(mute({ eventId: 'oa-dup' }));
    const reuse = await post({
      events: [mute({ eventId: 'oa-new' }), mute({ eventId: 'oa-dup', account: 'carol' })],
    });

    // Assess
    expect(JSON.parse(resend.body)).toEqual({ accepted: [{ eventId: 'oa-dup', duplicate: true }] });
    expect(conformance('/v1/events', 'post', resend)).toEqual({ statusCode: 202, errors: [] });
    expect(conformance('/v1/events', 'post', reuse)).toEqual({ statusCode: 409, errors: [] });
  });

  it('the queue refusing some events (503 with enqueued and notEnqueued)', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: 'e1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
    });

    // Act
    const answer = await post({
      events: [mute({ eventId: 'oa-q1' }), mute({ eventId: 'oa-q2', account: 'dave' })],
    });

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({
      enqueued: [{ eventId: 'oa-q1' }],
      notEnqueued: [{ eventId: 'oa-q2' }],
    });
    expect(conformance('/v1/events', 'post', answer)).toEqual({ statusCode: 503, errors: [] });
  });
});

describe('GET /v1/events/{eventId} answers conform to the document', () => {
  it('an event the ingest recorded (200)', async () => {
    // Prepare
    await post(mute({ eventId: 'oa-get' }));

    // Act
    const answer = await get('oa-get');

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({ eventId: 'oa-get', status: 'queued' });
    expect(conformance('/v1/events/{eventId}', 'get', answer)).toEqual({ statusCode: 200, errors: [] });
  });

  it.each(LEDGER_STATUSES)('an item that is %s, with every optional field (200)', async (itemStatus) => {
    // Prepare
    const at = '2026-12-01T10:00:00.000Z';
    await ledgerTable.store.create({
      eventId: `oa-${itemStatus}`,
      status: itemStatus,
      groupId: '@TGS#2CLUZEAEJ',
      account: 'bob',
      action: 'set_member_data',
      fingerprint: 'f',
      acceptedAt: at,
      updatedAt: at,
      attempts: 3,
      lastError: { code: 10002, info: 'internal error', at },
      nextAttemptAt: at,
      appliedAt: at,
      deadLetteredAt: at,
      history: [
        { at, outcome: 'received' },
        { at, outcome: itemStatus, attempt: 3, code: 10002, info: 'internal error', ms: 40 },
      ],
      expiresAt: 1_800_000_000,
    });

    // Act & Assess
    expect(conformance('/v1/events/{eventId}', 'get', await get(`oa-${itemStatus}`))).toEqual({
      statusCode: 200,
      errors: [],
    });
  });

  it.each([
    ['an invalid eventId', 'has space', 400],
    ['an unknown eventId', 'oa-unknown', 404],
  ])('%s', async (_case, eventId, expected) => {
    expect(conformance('/v1/events/{eventId}', 'get', await get(eventId))).toEqual({
      statusCode: expected,
      errors: [],
    });
  });
});

describe('with the ledger gone (the last tests of the file)', () => {
  beforeAll(async () => {
    const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
    await ledgerTable.client.send(new DeleteTableCommand({ TableName: ledgerTable.tableName }));
  });

  it('POST answers 503 with a request id', async () => {
    expect(conformance('/v1/events', 'post', await post(mute()))).toEqual({ statusCode: 503, errors: [] });
  });

  it('GET answers 503 with a request id', async () => {
    expect(conformance('/v1/events/{eventId}', 'get', await get('oa-1'))).toEqual({
      statusCode: 503,
      errors: [],
    });
  });
});
