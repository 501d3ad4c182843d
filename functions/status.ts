import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoLedgerStore } from '#shared/aws';
import { eventStatusResponse } from '#shared/http';
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
  if (found.kind === 'unavailable') logger.error('ledger unavailable', { eventId });
  return eventStatusResponse(found, context.awsRequestId);
}

export const handler = middy(status).use(injectLambdaContext(logger));
