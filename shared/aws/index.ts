export * from './dynamodb.ts';
export * from './eventbridge.ts';
export * from './secrets.ts';
export * from './sqs.ts';
