import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Operation, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The DynamoDB actions each function may use on the ledger, and nothing else. */
export const LEDGER_ACTIONS = {
  /** Records each event before enqueueing it (conditional put), confirms it queued, reads resends. */
  ingest: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
  /**
   * Counts attempts and records outcomes (conditional updates); reads items before a call; writes a
   * bulk event's member records in batches (`putRecords`).
   */
  consumer: ['dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
  /** `GET /v1/events/{eventId}`: reads only. */
  status: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
} as const;

/** The operations the functions call on the table, whose latency and errors are charted and alarmed. */
export const LEDGER_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.BATCH_WRITE_ITEM,
] as const;

/** Anything whose role can take a policy statement, such as a `BridgeFunction`. */
interface RolePolicyTarget {
  addToRolePolicy(statement: PolicyStatement): void;
}

/** Properties of {@link EventLedger}. */
export interface EventLedgerProps {
  /** The table's name. */
  readonly tableName: string;
  /** Writes a second the table serves at once (its warm throughput); none: DynamoDB's start. */
  readonly warmWritesPerSecond?: number;
  /**
   * What happens to the table when the stack is deleted. It holds the audit trail of every event, so by
   * default it outlives the stack (and must be deleted by hand before the same stage is deployed again).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The event ledger's table (`shared/ledger/`, `shared/aws/dynamodb.ts`): one item per event, keyed by
 * `eventId` (string), expiring through DynamoDB TTL on `expiresAt` (epoch seconds, which the functions
 * set `LEDGER_RETENTION_DAYS` after an item's last change). On-demand capacity, point-in-time recovery,
 * encrypted at rest with the AWS managed key `aws/dynamodb` (its use shows in CloudTrail, and the
 * functions need no KMS permission), retained when the stack is deleted.
 */
export class EventLedger extends Construct {
  /** The table. */
  readonly table: Table;

  constructor(scope: Construct, id: string, props: EventLedgerProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'eventId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.warmWritesPerSecond === undefined
        ? {}
        : { warmThroughput: { writeUnitsPerSecond: props.warmWritesPerSecond } }),
    });
  }

  /** Lets a function use exactly these actions on this table: no index, no stream, no other table. */
  allow(target: RolePolicyTarget, actions: readonly string[]): void {
    target.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [this.table.tableArn] }));
  }

  /**
   * The table's own error metrics, by a metric-math id: read and write throttle events (on demand, a
   * burst above twice the previous peak throttles), and DynamoDB's 5xx answers to each operation the
   * functions call. The SDK retries both; the functions' `LedgerErrors` count the calls that still failed.
   */
  errorMetrics(period: Duration): Record<string, Metric> {
    const metrics: Record<string, Metric> = {
      readThrottles: this.table.metric('ReadThrottleEvents', { statistic: Stats.SUM, period }),
      writeThrottles: this.table.metric('WriteThrottleEvents', { statistic: Stats.SUM, period }),
    };
    for (const operation of LEDGER_OPERATIONS) {
      metrics[`systemErrors${operation}`] = this.table.metric('SystemErrors', {
        statistic: Stats.SUM,
        period,
        dimensionsMap: { TableName: this.table.tableName, Operation: operation },
        label: `system errors ${operation}`,
      });
    }
    return metrics;
  }

  /** Successful request latency of each operation the functions call, in milliseconds. */
  latencyMetrics(period: Duration, statistic: string): Metric[] {
    return LEDGER_OPERATIONS.map((operation) =>
      this.table.metric('SuccessfulRequestLatency', {
        statistic,
        period,
        dimensionsMap: { TableName: this.table.tableName, Operation: operation },
        label: `${operation} ${statistic}`,
      }),
    );
  }
}
