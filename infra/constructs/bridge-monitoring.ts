import { Duration, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BRIDGE_METRICS } from '#shared/metrics';
import type { EventLedger } from './event-ledger.ts';

export { BRIDGE_METRICS };

/**
 * A metric-math sum of these metric ids that has a value whenever any of them does: arithmetic on time
 * series yields nothing at a timestamp where one of them has no data point, and DynamoDB's error metrics
 * and the functions' error counts are only published when something happened.
 */
export const sumOf = (ids: readonly string[]): string => ids.map((id) => `FILL(${id}, 0)`).join(' + ');

/** Properties of {@link BridgeMonitoring}. */
export interface BridgeMonitoringProps {
  /** Prefix of the topic, alarm and dashboard names. */
  readonly namePrefix: string;
  /** The API whose 5xx responses raise an alarm. */
  readonly api: RestApi;
  /** The ingest function (errors, throttles, duration). */
  readonly ingest: IFunction;
  /** The consumer function (errors, throttles, duration). */
  readonly consumer: IFunction;
  /** The status function of `GET /v1/events/{eventId}` (errors, throttles, duration on the dashboard). */
  readonly status: IFunction;
  /** The event ledger (throttles, system errors, latency). */
  readonly ledger: EventLedger;
  /**
   * Whether the consumer publishes outcome events; then failed publications raise an alarm.
   * @default false
   */
  readonly outcomeEvents?: boolean;
  /** The main queue (depth and age of the oldest message). */
  readonly queue: IQueue;
  /** The dead-letter queue (any message raises an alarm). */
  readonly deadLetterQueue: IQueue;
  /** `POWERTOOLS_METRICS_NAMESPACE` of the functions. */
  readonly metricsNamespace: string;
  /** `POWERTOOLS_SERVICE_NAME` of the functions: the `service` dimension of their metrics. */
  readonly serviceName: string;
  /**
   * Age of the oldest message on the main queue that raises an alarm.
   * @default Duration.minutes(10)
   */
  readonly queueAgeThreshold?: Duration;
  /**
   * An address subscribed to the alarm topic (it must confirm the subscription).
   * @default no subscription
   */
  readonly alarmEmail?: string;
}

/**
 * Alarms (to one SNS topic, which also hears when they clear) and a dashboard:
 * - a message in the dead-letter queue;
 * - the oldest message on the main queue older than the threshold (the consumer is behind or stuck);
 * - errors and throttles of either function (a consumer error is a crash: failures of single events
 *   are partial batch responses and do not count);
 * - credential faults: the secret unreadable, or Tencent refusing it (events are held meanwhile);
 * - Tencent unreachable on every endpoint, main and backup domain (events are held meanwhile);
 * - ledger errors: reads or writes the functions gave up on (ingest answered 503, the consumer retried
 *   the record), and the table's throttles and system errors (which the SDK may still have retried);
 * - outcome events that could not be published, when they are on;
 * - API 5xx responses (the status function's failures among them).
 */
export class BridgeMonitoring extends Construct {
  /** Where every alarm notifies. */
  readonly topic: Topic;
  /** Every alarm, keyed by purpose. */
  readonly alarms: Readonly<Record<string, Alarm>>;
  /** The dashboard, named after the stage and region. */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: BridgeMonitoringProps) {
    super(scope, id);
    const oneMinute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.namePrefix}-alarms`,
      displayName: `Moderation bridge alarms (${props.namePrefix})`,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and states, no event data. CloudWatch cannot publish to a topic encrypted with the AWS managed key, and a customer managed key for this alone is not worth its cost.',
    });

    const action = new SnsAction(this.topic);
    const alarm = (
      name: string,
      metric: IMetric,
      threshold: number,
      description: string,
      evaluationPeriods = 1,
    ): Alarm => {
      const created = new Alarm(this, name, {
        alarmName: `${props.namePrefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };

    const emf = (metricName: string, statistic: string, unitLabel?: string, period = oneMinute): Metric =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic,
        period,
        ...(unitLabel === undefined ? {} : { label: unitLabel }),
      });
    const { ingest: ingestMetrics, consumer: consumerMetrics } = BRIDGE_METRICS;
    // Both functions emit `LedgerErrors` under the same service dimension: one series counts both.
    const functionLedgerErrors = emf(ingestMetrics.ledgerErrors, Stats.SUM, 'gave up', fiveMinutes);
    const ledgerMetrics: Record<string, IMetric> = {
      functions: functionLedgerErrors,
      ...props.ledger.errorMetrics(fiveMinutes),
    };

    const queueAge = props.queueAgeThreshold ?? Duration.minutes(10);
    this.alarms = {
      deadLetters: alarm(
        'DeadLetterQueueNotEmpty',
        // Visible plus in flight: a message held by `npm run dlq -- list` is still a dead letter.
        new MathExpression({
          expression: 'visible + inFlight',
          usingMetrics: {
            visible: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              statistic: Stats.MAXIMUM,
              period: oneMinute,
            }),
            inFlight: props.deadLetterQueue.metricApproximateNumberOfMessagesNotVisible({
              statistic: Stats.MAXIMUM,
              period: oneMinute,
            }),
          },
          label: 'dead letters',
          period: oneMinute,
        }),
        1,
        'Events were dead-lettered. Inspect them with `npm run dlq -- list`, fix the cause, then redrive.',
      ),
      queueAge: alarm(
        'QueueOldestMessageAge',
        props.queue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period: oneMinute }),
        queueAge.toSeconds(),
        `The oldest event on the main queue is over ${queueAge.toSeconds()} s old: the consumer is behind, throttled by Tencent, or failing.`,
      ),
      ingestErrors: alarm(
        'IngestErrors',
        props.ingest.metricErrors({ statistic: Stats.SUM, period: fiveMinutes }),
        1,
        'The ingest function failed (an unhandled error or a timeout).',
      ),
      ingestThrottles: alarm(
        'IngestThrottles',
        props.ingest.metricThrottles({ statistic: Stats.SUM, period: fiveMinutes }),
        1,
        'The ingest function was throttled: the account concurrency limit is reached.',
      ),
      consumerErrors: alarm(
        'ConsumerErrors',
        props.consumer.metricErrors({ statistic: Stats.SUM, period: fiveMinutes }),
        1,
        'The consumer function crashed or timed out; its whole batch returns to the queue.',
      ),
      consumerThrottles: alarm(
        'ConsumerThrottles',
        props.consumer.metricThrottles({ statistic: Stats.SUM, period: fiveMinutes }),
        1,
        'The consumer function was throttled: the account concurrency limit is reached.',
      ),
      credentials: alarm(
        'CredentialsFault',
        new MathExpression({
          expression: sumOf(['invalid', 'unavailable']),
          usingMetrics: {
            invalid: emf(consumerMetrics.credentialsInvalid, Stats.SUM),
            unavailable: emf(consumerMetrics.credentialsUnavailable, Stats.SUM),
          },
          label: 'credential faults',
          period: oneMinute,
        }),
        1,
        'The consumer cannot call Tencent with the secret: it is unreadable or malformed, or Tencent refuses it (wrong key or SDKAppID, identifier not an admin, wrong region, app disabled). Events are held, not dead-lettered: fix the secret (or the account) and they are applied in order.',
      ),
      tencentUnreachable: alarm(
        'TencentUnreachable',
        emf(consumerMetrics.tencentUnreachable, Stats.SUM, 'unreachable calls', fiveMinutes),
        1,
        "The consumer could connect to no Tencent endpoint, neither the main domain nor the backup (DNS, connection or TLS failures; see the TencentFailover metric and the consumer log). The calls never reached Tencent: their events are held, not dead-lettered, and are applied in order once Tencent is reachable. Check the function's network path (VPC, NAT, DNS) and Tencent's status.",
      ),
      ledger: alarm(
        'LedgerErrors',
        new MathExpression({
          expression: sumOf(Object.keys(ledgerMetrics)),
          usingMetrics: ledgerMetrics,
          label: 'ledger errors',
          period: fiveMinutes,
        }),
        1,
        'The event ledger failed: reads or writes the functions gave up on (the ingest answered 503 and nothing was enqueued; the consumer left the records on the queue to retry), or DynamoDB throttled or failed requests. Events are not lost, but they wait, and GET /v1/events/{eventId} may answer 503.',
      ),
      orderConflicts: alarm(
        'OrderConflicts',
        emf(consumerMetrics.orderConflicts, Stats.SUM, 'order conflicts', fiveMinutes),
        1,
        "While the consumer applied an event, a newer decision about the same member's field was recorded: the older call may have undone it at Tencent. Under SQS FIFO this cannot happen; find the member in the consumer log ('a newer decision was recorded for this member') and send its newest decision again.",
      ),
      ...(props.outcomeEvents === true
        ? {
            outcomeEvents: alarm(
              'OutcomeEventsFailed',
              emf(consumerMetrics.outcomeEventsFailed, Stats.SUM, undefined, fiveMinutes),
              1,
              'The consumer could not publish outcome events on the EventBridge bus (missing bus, permission, throttling). The records come back and publish again; events behind them wait.',
            ),
          }
        : {}),
      api5xx: alarm(
        'Api5xx',
        props.api.metricServerError({ statistic: Stats.SUM, period: fiveMinutes }),
        1,
        'The API answered 5xx: the ingest function failed or could not enqueue.',
      ),
    };

    const functions: [string, IFunction][] = [
      ['Ingest', props.ingest],
      ['Consumer', props.consumer],
      ['Status', props.status],
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.namePrefix,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${props.namePrefix}\nPOST /v1/events -> ledger + SQS FIFO -> consumer -> Tencent modify_group_member_info; GET /v1/events/{eventId} reads the ledger`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest rate (events per minute)',
        left: [
          emf(ingestMetrics.accepted, Stats.SUM),
          emf(ingestMetrics.rejected, Stats.SUM),
          emf(ingestMetrics.duplicates, Stats.SUM),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'API requests and errors',
        left: [
          props.api.metricCount({ statistic: Stats.SUM, period: oneMinute }),
          props.api.metricClientError({ statistic: Stats.SUM, period: oneMinute }),
          props.api.metricServerError({ statistic: Stats.SUM, period: oneMinute }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.api.metricLatency({ statistic: Stats.p(50), period: oneMinute }),
          props.api.metricLatency({ statistic: Stats.p(99), period: oneMinute }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({
            period: oneMinute,
            label: 'Main queue waiting',
          }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({
            period: oneMinute,
            label: 'Main queue in flight or backing off',
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: oneMinute,
            label: 'Dead-letter queue',
          }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Age of oldest message (s)',
        left: [
          props.queue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period: oneMinute }),
        ],
        leftAnnotations: [{ value: queueAge.toSeconds(), label: 'Alarm' }],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Consumer outcomes (events per minute)',
        left: [
          emf(consumerMetrics.applied, Stats.SUM),
          emf(consumerMetrics.retried, Stats.SUM),
          emf(consumerMetrics.deadLettered, Stats.SUM),
          emf(consumerMetrics.expired, Stats.SUM),
          emf(consumerMetrics.held, Stats.SUM),
          emf(consumerMetrics.superseded, Stats.SUM),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-lettered by Tencent error code (or kind)',
        left: [
          new MathExpression({
            expression: `SEARCH('{${props.metricsNamespace},errorCode,service} MetricName="${consumerMetrics.deadLettered}" service="${props.serviceName}"', 'Sum', 300)`,
            label: '',
            period: Duration.minutes(5),
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Tencent latency (ms)',
        left: [
          emf(consumerMetrics.tencentLatency, Stats.p(50), 'p50'),
          emf(consumerMetrics.tencentLatency, Stats.p(90), 'p90'),
          emf(consumerMetrics.tencentLatency, Stats.p(99), 'p99'),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Tencent reach: backup-domain failover (calls per minute)',
        left: [
          emf(consumerMetrics.tencentFailover, Stats.SUM, 'failed over to the other domain'),
          emf(consumerMetrics.tencentUnreachable, Stats.SUM, 'reached no domain (events held)'),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'The ledger as the authority (per minute)',
        left: [
          emf(consumerMetrics.finishedBefore, Stats.SUM, 'copies of finished events acknowledged'),
          emf(consumerMetrics.transitionsRefused, Stats.SUM, 'transitions refused (both functions)'),
          emf(consumerMetrics.deadLettersReturned, Stats.SUM, 'dead letters moved back unmarked, returned'),
          emf(consumerMetrics.orderConflicts, Stats.SUM, 'order conflicts'),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors and throttles',
        left: functions.flatMap(([name, fn]) => [
          fn.metricErrors({ statistic: Stats.SUM, period: oneMinute, label: `${name} errors` }),
          fn.metricThrottles({ statistic: Stats.SUM, period: oneMinute, label: `${name} throttles` }),
        ]),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: functions.map(([name, fn]) =>
          fn.metricDuration({ statistic: Stats.p(99), period: oneMinute, label: name }),
        ),
        width: 12,
      }),
    );
    const ledgerErrorsPerMinute = props.ledger.errorMetrics(oneMinute);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ledger latency, average (ms)',
        // DynamoDB publishes this metric's average, minimum and maximum, not percentiles.
        left: props.ledger.latencyMetrics(oneMinute, Stats.AVERAGE),
        width: 12,
      }),
      new GraphWidget({
        title: 'Ledger errors (per minute)',
        left: [
          emf(ingestMetrics.ledgerErrors, Stats.SUM, 'gave up (ingest and consumer)'),
          ...Object.values(ledgerErrorsPerMinute),
          emf(consumerMetrics.outcomeEventsFailed, Stats.SUM, 'outcome events failed'),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 }),
    );
  }
}
