import { EVENT_ID_RULE } from '#shared/contract';
import { ValidationError } from '#shared/errors';
import {
  errorResponse,
  eventStatusResponse,
  messageBodySchema,
  serverErrorBodySchema,
  validationErrorBodySchema,
} from '#shared/http';
import { publicLedgerItemSchema, toPublicItem } from '#shared/ledger';
import { ledgerItem } from '../helpers/ledger-items';

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
const REQUEST_ID = 'req-1';

describe('eventStatusResponse', () => {
  it('answers 200 with the public item of an event the ledger has', () => {
    // Prepare
    const item = toPublicItem(ledgerItem('evt-1', { status: 'applied' }));

    // Act
    const response = eventStatusResponse({ kind: 'found', item }, REQUEST_ID);

    // Assess
    expect(response).toEqual({ statusCode: 200, headers: HEADERS, body: JSON.stringify(item) });
    expect(publicLedgerItemSchema.safeParse(JSON.parse(response.body)).success).toBe(true);
  });

  it('answers an invalid eventId exactly as errorResponse answers any invalid field', () => {
    // Prepare
    const issues = [{ path: 'eventId', rule: EVENT_ID_RULE }];

    // Act
    const response = eventStatusResponse({ kind: 'invalid', issues }, REQUEST_ID);

    // Assess
    expect(response).toEqual(errorResponse(new ValidationError(issues), REQUEST_ID));
    expect(response).toEqual({
      statusCode: 400,
      headers: HEADERS,
      body: `{"message":"invalid request: 1 invalid field","issues":[{"path":"eventId","rule":"${EVENT_ID_RULE}"}],"issueCount":1}`,
    });
    expect(validationErrorBodySchema.safeParse(JSON.parse(response.body)).success).toBe(true);
  });

  it('answers 404 with a message for an eventId the ledger does not have', () => {
    // Act
    const response = eventStatusResponse({ kind: 'not_found' }, REQUEST_ID);

    // Assess
    expect(response).toEqual({
      statusCode: 404,
      headers: HEADERS,
      body: '{"message":"no event with this eventId"}',
    });
    expect(messageBodySchema.strict().safeParse(JSON.parse(response.body)).success).toBe(true);
  });

  it('answers 503 with the request id to quote when the ledger cannot be reached, and no request id without one', () => {
    // Act
    const response = eventStatusResponse({ kind: 'unavailable' }, REQUEST_ID);
    const anonymous = eventStatusResponse({ kind: 'unavailable' }, undefined);

    // Assess
    expect(response).toEqual({
      statusCode: 503,
      headers: HEADERS,
      body: '{"message":"the event ledger could not be reached; try again","requestId":"req-1"}',
    });
    expect(serverErrorBodySchema.strict().safeParse(JSON.parse(response.body)).success).toBe(true);
    expect(JSON.parse(anonymous.body)).toEqual({
      message: 'the event ledger could not be reached; try again',
    });
  });
});
