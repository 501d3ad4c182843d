/**
 * The event ledger's table for the local stack: dynalite (an in-memory DynamoDB, in this process, no
 * Docker or JVM) on 127.0.0.1, or an external DynamoDB endpoint (moto, LocalStack), with the table
 * created as the CDK stack creates it (`infra/constructs/event-ledger.ts`): key `eventId` (string), on
 * demand, TTL on `expiresAt` (dynalite has no TTL and no `UpdateTimeToLive`: its items stay as long as
 * the process). The handlers reach it through `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoLedgerStore } from '#shared/aws';
import type { LedgerItem } from '#shared/ledger';

/** Options of {@link startLocalLedger}. */
export interface LocalLedgerOptions {
  /** The table's name (dynalite wants at least 3 characters). */
  tableName: string;
  /** An external DynamoDB endpoint to create the table at. @default dynalite, started here */
  endpoint?: string;
  /** Region of the client. @default 'us-east-1' */
  region?: string;
}

/** A running ledger table. */
export interface LocalLedger {
  /** The DynamoDB endpoint: `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  readonly tableName: string;
  /** The ledger, through a client of its own. */
  readonly store: DynamoLedgerStore;
  /** One item, read consistently; `undefined` when the ledger has none. */
  item(eventId: string): Promise<LedgerItem | undefined>;
  /**
   * DynamoDB operations served so far, by name (`PutItem`, `UpdateItem`, `BatchGetItem`, ...), for the
   * benchmark's writes-per-event figure; always empty at an external endpoint.
   */
  operations(): Readonly<Record<string, number>>;
  /** Stops dynalite (its data is lost); an external endpoint is left as it is. */
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * Creates the ledger table as the CDK stack does (key `eventId`, on demand; an existing one is reused)
 * and, where the store has TTL (dynalite has none), turns it on.
 */
export async function createLedgerTable(
  client: DynamoDBClient,
  tableName: string,
  ttl: boolean,
): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 },
    { TableName: tableName },
  );
  if (!ttl) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
}

/**
 * Starts the ledger's table: dynalite in memory on 127.0.0.1, or the given endpoint.
 *
 * @throws when the table cannot be created, with a message naming the endpoint.
 * @example
 * ```ts
 * const ledger = await startLocalLedger({ tableName: 'bridge-ledger' });
 * process.env.AWS_ENDPOINT_URL_DYNAMODB = ledger.endpoint;
 * process.env.LEDGER_TABLE = ledger.tableName;
 * ```
 */
export async function startLocalLedger(options: LocalLedgerOptions): Promise<LocalLedger> {
  const server = options.endpoint === undefined ? dynalite({ createTableMs: 0 }) : undefined;
  const operations: Record<string, number> = {};
  server?.on('request', (request: { headers: Record<string, string | string[] | undefined> }) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const name = target.slice(target.indexOf('.') + 1) || 'unknown';
    operations[name] = (operations[name] ?? 0) + 1;
  });
  const endpoint = server === undefined ? (options.endpoint ?? '') : await listen(server);
  const stopServer = async (): Promise<void> => {
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createLedgerTable(client, options.tableName, server === undefined);
  } catch (error) {
    client.destroy();
    await stopServer();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not create the ledger table ${options.tableName} at ${endpoint}: ${reason}`, {
      cause: error,
    });
  }
  const store = new DynamoLedgerStore(client, options.tableName);
  return {
    endpoint,
    tableName: options.tableName,
    store,
    item: async (eventId) => (await store.getMany([eventId])).get(eventId),
    operations: () => ({ ...operations }),
    close: async () => {
      client.destroy();
      await stopServer();
    },
  };
}
