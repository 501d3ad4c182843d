import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoLedgerStore } from '#shared/aws';
import type { MessageBody, ServerErrorBody, ValidationErrorBody } from '#shared/http';
import { jsonResponse } from '#shared/http';
import type { PublicLedgerItem } from '#shared/ledger';
import { lookUpEvent } from '#shared/ledger';
import { loadStatusConfig } from '#shared/settings';

// Cold start: configuration is read and checked once; the client lives as long as the container.
const config = loadStatusConfig();
const logger = new Logger();
const store = new DynamoLedgerStore(new DynamoDBClient({}), config.ledgerTable);

/** `GET /v1/events/{eventId}`: what became of an event, from the ledger. */
async function status(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const eventId = event.pathParameters?.eventId;
  const found = await lookUpEvent(eventId, store);
  switch (found.kind) {
    case 'found':
      return jsonResponse(200, found.item satisfies PublicLedgerItem);
    case 'not_found':
      return jsonResponse(404, { message: 'no event with this eventId' } satisfies MessageBody);
    case 'invalid':
      return jsonResponse(400, {
        message: 'invalid request: 1 invalid field',
        issues: found.issues,
        issueCount: 1,
      } satisfies ValidationErrorBody);
    case 'unavailable':
      logger.error('ledger unavailable', { eventId });
      return jsonResponse(503, {
        message: 'the event ledger could not be reached; try again',
        requestId: context.awsRequestId,
      } satisfies ServerErrorBody);
  }
}

export const handler = middy(status).use(injectLambdaContext(logger));
