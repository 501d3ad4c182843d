import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BRIDGE_METRICS } from '../metrics/index.ts';
import type { FailoverEvent } from './failover.ts';

const names = BRIDGE_METRICS.consumer;

/**
 * Turns failover events into log lines and metrics: `TencentFailover` per failed-over call,
 * `TencentUnreachable` per call that reached no endpoint, and a log line on each switch.
 */
export function failoverReporter(logger: Logger, metrics: Metrics): (event: FailoverEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'failover':
        logger.warn('Tencent endpoint unreachable; the call is made on the other one', {
          from: event.from,
          to: event.to,
          reason: event.reason,
        });
        metrics.addMetric(names.tencentFailover, MetricUnit.Count, 1);
        return;
      case 'switch': {
        const { kind: _kind, ...fields } = event;
        logger.warn(
          event.preferred === 'backup'
            ? 'Tencent main endpoint failing; preferring the backup'
            : 'Tencent backup cool-down over; trying the main endpoint again',
          fields,
        );
        return;
      }
      case 'unreachable':
        logger.error('Tencent unreachable on every endpoint; the request never reached Tencent', {
          endpoints: event.endpoints,
          reason: event.reason,
        });
        metrics.addMetric(names.tencentUnreachable, MetricUnit.Count, 1);
        return;
    }
  };
}
