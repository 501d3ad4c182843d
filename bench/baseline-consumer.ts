/**
 * The benchmark's baseline: the SQS FIFO consumer a user would write from the Powertools for AWS Lambda
 * documentation ("Batch processing", "FIFO queues"): `processPartialResponse` with the FIFO partial
 * processor and `skipGroupOnError`, and a record handler that makes the Tencent call and throws when it
 * fails. It calls the same Tencent client the bridge does (`HttpTencentApi`), with no pacing, no
 * retry policy and no concurrency across message groups: the processor runs a FIFO batch one record
 * after the other, and a failed record (with the rest of its group) comes back after the visibility
 * timeout. Its credentials are signed once, so that it spends nothing on the secret.
 *
 * In 2.35 the FIFO processor for an async record handler is `SqsFifoPartialProcessorAsync` (the plain
 * `SqsFifoPartialProcessor` goes with `processPartialResponseSync`); both process records in order.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseQueueMessage, toTencentCall } from '#shared/queue';
import type { TencentApi, TencentCredentials } from '#shared/tencent';

/** What the baseline needs: the Tencent client and the admin credentials. */
export interface BaselineDeps {
  api: TencentApi;
  credentials: TencentCredentials;
}

/** The baseline consumer handler, as its Lambda entry file would export it. */
export function powertoolsFifoHandler(
  deps: BaselineDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new SqsFifoPartialProcessorAsync();
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const call = toTencentCall(parseQueueMessage(record.body), Date.now());
    if (call.kind === 'expired') return;
    // A record handler throws to fail its record: a call that was not OK is thrown here.
    const answer = await deps.api.call(call, deps.credentials);
    if (answer.kind !== 'ok')
      throw new Error(`Tencent call failed: ${answer.kind === 'refused' ? answer.code : answer.failure}`);
  };
  return (event, context) =>
    processPartialResponse(event, recordHandler, processor, { context, skipGroupOnError: true });
}
