import type { AddressInfo } from 'node:net';
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoLedgerStore } from '#shared/aws';
import { createLedgerTable } from '../../local/ledger.ts';

/** A running in-memory DynamoDB (dynalite) with the ledger table. */
export interface LedgerTable {
  /** Base URL: `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  readonly tableName: string;
  /** A client of its own, for tests to read and write items. */
  readonly client: DynamoDBClient;
  readonly store: DynamoLedgerStore;
  /** Empties the table. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts dynalite in this process, in memory, on 127.0.0.1, and creates the ledger table as the CDK
 * stack does (key `eventId`, on demand). dynalite has no TTL, so items never expire locally.
 */
export async function startLedgerTable(tableName = 'bridge-ledger'): Promise<LedgerTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createLedgerTable(client, tableName, false);

  return {
    endpoint,
    tableName,
    client,
    store: new DynamoLedgerStore(client, tableName),
    reset: async () => {
      // Item by item: dropping the table races with its re-creation (dynalite deletes it asynchronously).
      for (;;) {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, ProjectionExpression: 'eventId', Limit: 25 }),
        );
        const keys = page.Items ?? [];
        if (keys.length === 0) return;
        await client.send(
          new BatchWriteItemCommand({
            RequestItems: { [tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })) },
          }),
        );
      }
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
