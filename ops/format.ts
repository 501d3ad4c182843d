/** Human-readable rendering of dead letters and move tasks for the `dlq` command. */
import { type HistoryEntry, type LedgerItem, toPublicItem } from '#shared/ledger';
import type { DeadLetter, DeadLetterListing } from './dead-letters.ts';
import { itemOf, type LedgerLookup, outlookOf, type RedriveOutlook } from './ledger.ts';
import type { RedriveResult } from './redrive.ts';

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

/** One line of an item's history: time, status, then what is known of the attempt. */
export function historyLine(entry: HistoryEntry): string {
  const parts = [entry.at, entry.outcome];
  if (entry.attempt !== undefined) parts.push(`attempt ${entry.attempt}`);
  if (entry.code !== undefined) parts.push(`Tencent ${entry.code}`);
  if (entry.ms !== undefined) parts.push(`${entry.ms} ms`);
  if (entry.info !== undefined) parts.push(entry.info);
  return parts.join('  ');
}

/** Why the ledger shows nothing for a letter, or `undefined` when it has its item. */
function missingItem(letter: DeadLetter, lookup: LedgerLookup): string | undefined {
  if (lookup.kind === 'not_configured') return '- (no ledger table given)';
  if (lookup.kind === 'unavailable') return '- (the ledger could not be read)';
  if (letter.eventId === undefined) return '- (no event id)';
  if (itemOf(letter, lookup) === undefined) return 'no item (expired, or enqueued before the ledger existed)';
  return undefined;
}

/** The ledger's lines about one letter, indented: status, attempts, last error, history. */
function ledgerLines(letter: DeadLetter, lookup: LedgerLookup, indent: string): string[] {
  const missing = missingItem(letter, lookup);
  const item = itemOf(letter, lookup);
  if (missing !== undefined || item === undefined) return [`${indent}ledger ${missing ?? '-'}`];
  const lines = [`${indent}ledger ${item.status}  attempts ${item.attempts}  updated ${item.updatedAt}`];
  lines.push(`${indent}redrive ${outlookText(outlookOf(letter, lookup))}`);
  if (item.status === 'redriven') {
    lines.push(
      `${indent}       (marked redriven but still here: a redrive has not moved it, or not yet; if none is running, redrive it again)`,
    );
  }
  if (item.lastError !== undefined) {
    const code = item.lastError.code === undefined ? '' : `Tencent ${item.lastError.code}: `;
    lines.push(`${indent}last error ${code}${item.lastError.info} (${item.lastError.at})`);
  }
  lines.push(`${indent}history (oldest first):`);
  for (const entry of item.history) lines.push(`${indent}  ${historyLine(entry)}`);
  return lines;
}

/** A short block per dead letter, for `list`, with its ledger status, attempts and history. */
export function formatSummary(
  letter: DeadLetter,
  index: number,
  lookup: LedgerLookup = { kind: 'not_configured' },
): string[] {
  const { event, reason } = letter;
  const when = reason?.deadLetteredAt ?? letter.enteredAt;
  return [
    `${index + 1}. event ${letter.eventId ?? '-'}  (message ${letter.messageId})`,
    `   group ${field(event?.groupId)}  account ${field(event?.account)}  action ${field(event?.action)}`,
    `   reason ${reasonLine(letter)}`,
    `   attempts ${reason?.attempts ?? '-'}  dead-lettered ${when?.toISOString() ?? '-'}`,
    ...ledgerLines(letter, lookup, '   '),
  ];
}

/** A line about the ledger as a whole, when it could not be used. */
function ledgerNotice(lookup: LedgerLookup): string[] {
  if (lookup.kind === 'not_configured') {
    return [
      'No ledger table given (--ledger-table, --outputs or LEDGER_TABLE): ledger statuses are not shown.',
    ];
  }
  if (lookup.kind === 'unavailable') {
    return [`The event ledger could not be read, so ledger statuses are not shown: ${lookup.error}`];
  }
  return [];
}

/** The `list` output. */
export function formatListing(
  listing: DeadLetterListing,
  lookup: LedgerLookup = { kind: 'not_configured' },
): string[] {
  const { letters, approximateCount, approximateInFlight, notReleased } = listing;
  const lines = [
    `${letters.length} dead-lettered event(s) read; the queue reports about ${approximateCount} waiting and ${approximateInFlight} in flight. Nothing was removed.`,
    ...ledgerNotice(lookup),
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
    lines.push('', ...formatSummary(letter, index, lookup));
  });
  return lines;
}

/** Everything about one dead letter, for `show`, with its ledger item. */
export function formatDetail(
  letter: DeadLetter,
  lookup: LedgerLookup = { kind: 'not_configured' },
): string[] {
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
  lines.push(...ledgerNotice(lookup), ...ledgerLines(letter, lookup, ''));
  lines.push('body:', letter.event === undefined ? letter.body : JSON.stringify(letter.event, null, 2));
  return lines;
}

/** What the consumer will do with a letter a redrive sends back, in words. */
export function outlookText(outlook: RedriveOutlook): string {
  switch (outlook.kind) {
    case 'apply':
      return 'would apply it';
    case 'superseded':
      return `would not apply it: superseded by ${outlook.by}, a newer event about the same member and field that was applied`;
    case 'finished':
      return `would not apply it again: its event is already ${outlook.status} (the consumer acknowledges this copy)`;
    case 'unknown':
      return 'outcome unknown (the ledger could not say)';
  }
}

/** The `redrive` output: a line per letter moved or left, then the counts. */
export function formatRedrive(result: RedriveResult): string[] {
  const lines: string[] = [];
  for (const { letter, outlook } of result.moved) {
    const group = typeof letter.event?.groupId === 'string' ? letter.event.groupId : '-';
    lines.push(
      `moved   ${letter.eventId ?? '-'} (message ${letter.messageId}), group ${group}: ${outlookText(outlook)}`,
    );
  }
  for (const { letter, error } of result.failed) {
    lines.push(`FAILED  ${letter.eventId ?? '-'} (message ${letter.messageId}): ${error}`);
    lines.push(`        it was dead-lettered because: ${reasonLine(letter)}`);
  }
  for (const id of result.notFound) lines.push(`missing ${id}: no dead letter read has this id (see --max)`);
  if (result.notReleased.length > 0) {
    lines.push(
      `${result.notReleased.length} letter(s) read but not moved could not be made visible again at once (${result.notReleased.join(', ')}); they reappear when their visibility timeout ends.`,
    );
  }
  const superseded = result.moved.filter(({ outlook }) => outlook.kind === 'superseded').length;
  lines.push(
    `${result.moved.length} moved (${superseded} superseded), ${result.failed.length} left in the dead-letter queue, ${result.notFound.length} not found.`,
  );
  return lines;
}

/**
 * A dead letter as plain JSON, for `--json`. `ledger` is its item as `GET /v1/events/{eventId}` shows it,
 * or `null` when the ledger has none, was not given or could not be read.
 */
export function toJson(
  letter: DeadLetter,
  lookup: LedgerLookup = { kind: 'not_configured' },
): Record<string, unknown> {
  const item: LedgerItem | undefined = itemOf(letter, lookup);
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
    ledger: item === undefined ? null : toPublicItem(item),
    redrive: outlookOf(letter, lookup),
  };
}
