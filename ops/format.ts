/** Human-readable rendering of dead letters and move tasks for the `dlq` command. */
import type { DeadLetter, DeadLetterListing, MoveTaskProgress } from './dead-letters.ts';

const KIND_TEXT: Record<string, string> = {
  tencent_permanent: 'Tencent refused it (no retry can fix it)',
  retries_exhausted: 'transient failures until the attempts ran out',
  invalid_message: 'the queue message could not be read',
};

/** One line: why the event was dead-lettered. */
export function reasonLine(letter: DeadLetter): string {
  const { reason } = letter;
  if (reason === undefined) {
    return 'moved by the SQS redrive policy: the consumer crashed or timed out on it repeatedly (no recorded reason)';
  }
  const code = reason.errorCode === undefined ? '' : `Tencent ${reason.errorCode}: `;
  return `${KIND_TEXT[reason.kind] ?? reason.kind} - ${code}${reason.errorInfo}`;
}

const field = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '-';

/** A short block per dead letter, for `list`. */
export function formatSummary(letter: DeadLetter, index: number): string[] {
  const { event, reason } = letter;
  const when = reason?.deadLetteredAt ?? letter.enteredAt;
  return [
    `${index + 1}. event ${letter.eventId ?? '-'}  (message ${letter.messageId})`,
    `   group ${field(event?.groupId)}  account ${field(event?.account)}  action ${field(event?.action)}`,
    `   reason ${reasonLine(letter)}`,
    `   attempts ${reason?.attempts ?? '-'}  dead-lettered ${when?.toISOString() ?? '-'}`,
  ];
}

/** The `list` output. */
export function formatListing(listing: DeadLetterListing): string[] {
  const { letters, approximateCount, approximateInFlight, notReleased } = listing;
  const lines = [
    `${letters.length} dead-lettered event(s) read; the queue reports about ${approximateCount} waiting and ${approximateInFlight} in flight. Nothing was removed.`,
  ];
  if (notReleased.length > 0) {
    lines.push(
      `${notReleased.length} could not be made visible again at once (${notReleased.join(', ')}); they stay in the queue and reappear when their visibility timeout ends.`,
    );
  }
  if (approximateCount > letters.length) {
    lines.push(
      'Not all were read: raise --max, or note that on a FIFO queue only the first 10 messages of each message group can be read at once.',
    );
  }
  letters.forEach((letter, index) => {
    lines.push('', ...formatSummary(letter, index));
  });
  return lines;
}

/** Everything about one dead letter, for `show`. */
export function formatDetail(letter: DeadLetter): string[] {
  const { reason } = letter;
  const lines = [
    `message id      ${letter.messageId}`,
    `event id        ${letter.eventId ?? '-'}`,
    `message group   ${letter.groupId ?? '-'}`,
    `entered DLQ     ${letter.enteredAt?.toISOString() ?? '-'}`,
    `reason          ${reasonLine(letter)}`,
    `kind            ${reason?.kind ?? '(none: SQS redrive policy)'}`,
    `Tencent code    ${reason?.errorCode ?? '-'}`,
    `info            ${reason?.errorInfo ?? '-'}`,
    `attempts        ${reason?.attempts ?? '-'}`,
    `dead-lettered   ${reason?.deadLetteredAt.toISOString() ?? '-'}`,
  ];
  if (letter.redrivenFromArn !== undefined) lines.push(`moved from      ${letter.redrivenFromArn}`);
  lines.push('body:', letter.event === undefined ? letter.body : JSON.stringify(letter.event, null, 2));
  return lines;
}

/** One line of move task progress. */
export function formatProgress(progress: MoveTaskProgress): string {
  const total = progress.toMove === undefined ? '' : ` of ~${progress.toMove}`;
  const failure = progress.failureReason === undefined ? '' : ` - ${progress.failureReason}`;
  const started = progress.startedAt === undefined ? '' : ` (started ${progress.startedAt.toISOString()})`;
  return `${progress.status}: ~${progress.moved}${total} moved${started}${failure}`;
}

/** A dead letter as plain JSON, for `--json`. */
export function toJson(letter: DeadLetter): Record<string, unknown> {
  return {
    messageId: letter.messageId,
    eventId: letter.eventId ?? null,
    groupId: letter.groupId ?? null,
    enteredAt: letter.enteredAt?.toISOString() ?? null,
    reason:
      letter.reason === undefined
        ? null
        : { ...letter.reason, deadLetteredAt: letter.reason.deadLetteredAt.toISOString() },
    redrivenFromArn: letter.redrivenFromArn ?? null,
    event: letter.event ?? null,
    body: letter.event === undefined ? letter.body : undefined,
  };
}
