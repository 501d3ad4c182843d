import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { LOOKUP_ID_RULE } from '#shared/contract';
import { eventStatusResponse } from '#shared/http';
import { LEDGER_STATUSES, type LedgerItem } from '#shared/ledger';
import { apiEvent, lambdaContext } from '../helpers/factories';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let ledgerTable: LedgerTable;

beforeAll(async () => {
  ledgerTable = await startLedgerTable();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ledgerTable.endpoint;
  ({ handler } = await import('../../functions/status'));
});

afterAll(async () => {
  await ledgerTable.close();
});

const item = (eventId: string, fields: Partial<LedgerItem> = {}): LedgerItem => ({
  eventId,
  status: 'queued',
  groupId: '@TGS#2CLUZEAEJ',
  account: 'bob',
  action: 'mute',
  fingerprint: 'secret-looking-fingerprint',
  acceptedAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:01.000Z',
  attempts: 0,
  history: [
    { at: '2026-12-01T10:00:00.000Z', outcome: 'received' },
    { at: '2026-12-01T10:00:01.000Z', outcome: 'queued' },
  ],
  expiresAt: 1_800_000_000,
  ...fields,
});

/** GET /v1/events/{eventId}, with the path parameter as API Gateway hands it over (decoded). */
const get = (eventId: string | undefined) =>
  handler(
    {
      ...apiEvent({ headers: {} }),
      httpMethod: 'GET',
      path: `/v1/events/${encodeURIComponent(eventId ?? '')}`,
      resource: '/v1/events/{eventId}',
      pathParameters: eventId === undefined ? null : { eventId },
    },
    lambdaContext(),
  );

describe('status handler', () => {
  it.each(LEDGER_STATUSES)(
    'answers 200 with the item of an event that is %s, history newest last',
    async (status) => {
      // Prepare
      const eventId = `evt:${status}`;
      await ledgerTable.store.create(item(eventId, { status }));

      // Act
      const response = await get(eventId);

      // Assess: everything but the internal fingerprint and expiry.
      expect(response.statusCode).toBe(200);
      const { fingerprint: _fingerprint, expiresAt: _expiresAt, ...shown } = item(eventId, { status });
      expect(JSON.parse(response.body)).toEqual(shown);
      expect(response.body).not.toContain('secret-looking-fingerprint');
    },
  );

  it('answers 404 for an eventId the ledger does not have', async () => {
    // Act
    const response = await get('evt-unknown');

    // Assess
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([
      404,
      { message: 'no event with this eventId' },
    ]);
  });

  it.each([
    ['a space', 'evt 1'],
    ['a slash', 'a/b'],
    ['129 characters', 'x'.repeat(129)],
    ['nothing', ''],
  ])('answers 400 for an eventId with %s', async (_case, eventId) => {
    // Act
    const response = await get(eventId);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid request: 1 invalid field',
      issues: [{ path: 'eventId', rule: LOOKUP_ID_RULE }],
      issueCount: 1,
    });
  });

  it('answers through the shared answers, headers included', async () => {
    // Act
    const notFound = await get('evt-unknown');
    const invalid = await get('evt 1');

    // Assess
    expect(notFound).toEqual(eventStatusResponse({ kind: 'not_found' }, 'aws-req-1'));
    expect(invalid).toEqual(
      eventStatusResponse(
        { kind: 'invalid', issues: [{ path: 'eventId', rule: LOOKUP_ID_RULE }] },
        'aws-req-1',
      ),
    );
  });

  it('answers 503 without internals when the ledger cannot be reached', async () => {
    // Prepare: the table is gone (the last test of the file).
    const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
    await ledgerTable.client.send(new DeleteTableCommand({ TableName: ledgerTable.tableName }));

    // Act
    const response = await get('evt-1');

    // Assess
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      message: 'the event ledger could not be reached; try again',
      requestId: 'aws-req-1',
    });
    expect(response).toEqual(eventStatusResponse({ kind: 'unavailable' }, 'aws-req-1'));
  });
});
