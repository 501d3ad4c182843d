import { createHash } from 'node:crypto';
import {
  type DecisionRecord,
  eventPosition,
  expiresAtOf,
  fieldsOf,
  isFinished,
  type LedgerItem,
  type LedgerStore,
  LedgerUnavailableError,
  type LedgerWrite,
  memberRecordKeyOf,
  recordKeyOfMessage,
  recordKeysOfMessage,
  standingOf,
  untilOf,
  withDecision,
} from '../ledger/index.ts';
import type { BulkMessage, QueueMessage, SingleMessage } from '../queue/index.ts';

/** Times a consumer transition is built again and written again after the item changed but stayed open. */
const TRANSITION_ROUNDS = 3;

/** What became of one ledger write of the consumer. */
export type LedgerWriteResult =
  /** Written; `item` is the event's item as it now is (for a member decision, the event's item as known). */
  | { kind: 'written'; item: LedgerItem }
  /** The item is finished by another writer (or gone), or kept changing; `current` is how it is now. */
  | { kind: 'refused'; current: LedgerItem | undefined }
  /** The ledger could not be written: `error` says why (never an item's contents). */
  | { kind: 'unavailable'; error: string }
  /** Nothing to write. */
  | { kind: 'nothing' };

/** What became of recording a member's decision. */
export type DecisionResult =
  | { kind: 'recorded'; newer: string[] }
  | { kind: 'unavailable'; error: string }
  | { kind: 'nothing' };

/**
 * The ledger as one batch of the consumer sees it: the items of its events and the records of their
 * targets, read once when the batch starts (both reads at once) and kept up to date with every write
 * the batch makes, so that a record later in the batch sees what an earlier one did (a copy of an
 * event finished a moment ago is a copy, not an unfinished event).
 */
export class BatchLedger {
  /** Positions worked out so far, by eventId. */
  private readonly positions = new Map<string, string>();
  /** Record keys worked out so far (a SHA-256 each), by eventId. */
  private readonly recordKeys = new Map<string, string>();

  private constructor(
    private readonly store: LedgerStore,
    private readonly items: Map<string, LedgerItem>,
    private readonly records: Map<string, DecisionRecord>,
    private readonly retentionDays: number,
  ) {}

  /**
   * Reads the items and member records of the batch's messages.
   * @throws {@link LedgerUnavailableError} when the ledger cannot be read
   */
  static async read(
    store: LedgerStore,
    messages: readonly QueueMessage[],
    retentionDays: number,
  ): Promise<BatchLedger> {
    if (messages.length === 0) return new BatchLedger(store, new Map(), new Map(), retentionDays);
    const [items, records] = await Promise.all([
      store.getMany(messages.map((message) => message.eventId)),
      store.getRecords(messages.flatMap(recordKeysOfMessage)),
    ]);
    return new BatchLedger(store, items, records, retentionDays);
  }

  /** The event's item, as last read or written. */
  item(eventId: string): LedgerItem | undefined {
    return this.items.get(eventId);
  }

  /** The record of the message's target (member, group or account), as last read or written. */
  record(message: SingleMessage): DecisionRecord | undefined {
    return this.records.get(this.recordKey(message));
  }

  /** A member's record (of a bulk event's account), as last read or written. */
  memberRecord(groupId: string, account: string): DecisionRecord | undefined {
    return this.records.get(memberRecordKeyOf(groupId, account));
  }

  /** The key of the message's target's record (worked out once per event and batch). */
  private recordKey(message: SingleMessage): string {
    let key = this.recordKeys.get(message.eventId);
    if (key === undefined) {
      key = recordKeyOfMessage(message);
      this.recordKeys.set(message.eventId, key);
    }
    return key;
  }

  /** Where the event stands in its member's order (worked out once per event and batch). */
  position(message: QueueMessage): string {
    let position = this.positions.get(message.eventId);
    if (position === undefined) {
      position = eventPosition(message, this.items.get(message.eventId));
      this.positions.set(message.eventId, position);
    }
    return position;
  }

  /**
   * Writes a transition of the event's item, built by `writeOf` from the item as the batch knows it; the
   * batch then sees the item as written (or as found). When the item changed meanwhile but is still
   * open (the ingest's `received` to `queued` mark can land after the consumer read the item), the
   * transition is built again on the item as it now is and written again: the outcome still stands.
   * When it is finished by then (a copy of the event won), the refusal is the result.
   */
  async transition(
    eventId: string,
    writeOf: (item: LedgerItem | undefined) => LedgerWrite | undefined,
  ): Promise<LedgerWriteResult> {
    let item = this.items.get(eventId);
    try {
      for (let round = 0; round < TRANSITION_ROUNDS; round++) {
        const write = writeOf(item);
        if (write === undefined) return { kind: 'nothing' };
        const result = await this.store.transition(eventId, write);
        if (result.kind === 'written') {
          this.items.set(eventId, result.item);
          return result;
        }
        item = result.current;
        if (item === undefined) this.items.delete(eventId);
        else this.items.set(eventId, item);
        if (item === undefined || isFinished(item.status)) return { kind: 'refused', current: item };
      }
      return { kind: 'refused', current: item };
    } catch (error) {
      if (!(error instanceof LedgerUnavailableError)) throw error;
      return { kind: 'unavailable', error: error.message };
    }
  }

  /**
   * Records the event as the newest decision applied to `fields` of its member (where nothing newer is
   * recorded); the batch then sees the member's record as written.
   */
  async recordDecision(
    message: SingleMessage,
    fields: readonly string[],
    nowMs: number,
  ): Promise<DecisionResult> {
    if (fields.length === 0) return { kind: 'nothing' };
    const at = new Date(nowMs).toISOString();
    try {
      const until = untilOf(message);
      const { record, newer } = await this.store.recordDecision(
        {
          key: this.recordKey(message),
          ...('groupId' in message ? { groupId: message.groupId } : {}),
          ...('account' in message ? { account: message.account } : {}),
        },
        fields,
        {
          position: this.position(message),
          eventId: message.eventId,
          at,
          ...(until === undefined ? {} : { until }),
        },
        expiresAtOf(nowMs, this.retentionDays),
      );
      this.records.set(record.key, record);
      return { kind: 'recorded', newer };
    } catch (error) {
      if (!(error instanceof LedgerUnavailableError)) throw error;
      return { kind: 'unavailable', error: error.message };
    }
  }

  /**
   * For an event the ledger shows applied (or expired): records it in its member's record where it is
   * missing (its outcome was recorded but its decision was not: a write failed, or a crash came between
   * the two). Nothing to do when the record has it, or something newer.
   */
  async repairDecision(message: SingleMessage, nowMs: number): Promise<DecisionResult> {
    const standing = standingOf(
      message.eventId,
      this.position(message),
      fieldsOf(message),
      this.record(message),
    );
    if (standing.kind !== 'apply') return { kind: 'nothing' };
    return this.recordDecision(message, standing.fields, nowMs);
  }

  /**
   * A bulk event's decision about `fields` of each of `accounts`, written to their records in batches
   * (`putRecords`), where nothing newer is recorded: the records were read at the start of the batch,
   * and only this invocation writes records of the group's members now (one lane per group, see
   * `messageGroupOf`), so no write needs a condition. The batch then sees the records as written.
   */
  async putDecisions(
    message: BulkMessage,
    accounts: readonly string[],
    fields: readonly string[],
    nowMs: number,
  ): Promise<DecisionResult> {
    if (fields.length === 0 || accounts.length === 0) return { kind: 'nothing' };
    const until = untilOf(message);
    const decision = {
      position: this.position(message),
      eventId: message.eventId,
      at: new Date(nowMs).toISOString(),
      ...(until === undefined ? {} : { until }),
    };
    const changed: DecisionRecord[] = [];
    const newer: string[] = [];
    for (const account of accounts) {
      const key = memberRecordKeyOf(message.groupId, account);
      const current = this.records.get(key) ?? { key, groupId: message.groupId, account, fields: {} };
      const next = withDecision(current, fields, decision);
      newer.push(...next.newer.map((field) => `${account}:${field}`));
      if (next.newer.length < fields.length) changed.push(next.record);
    }
    try {
      await this.store.putRecords(changed, expiresAtOf(nowMs, this.retentionDays));
    } catch (error) {
      if (!(error instanceof LedgerUnavailableError)) throw error;
      return { kind: 'unavailable', error: error.message };
    }
    for (const record of changed) this.records.set(record.key, record);
    return { kind: 'recorded', newer };
  }
}

/**
 * The deduplication id of a dead-letter send: the delivery it comes from (the message and its receive
 * count), so that a send repeated within one delivery (a lost answer) makes one letter, while the same
 * event dead-lettered by a later delivery is never dropped as a repeat within SQS's 5-minute window
 * (a redrive may have moved the first letter away meanwhile). A crash between the send and the ledger
 * write can so leave two letters of one event; a redrive moves both, and the consumer applies one and
 * acknowledges the other as a copy. Hashed, to a fixed length SQS takes.
 */
export function deadLetterIdOf(record: { messageId: string; receiveCount: number }): string {
  return createHash('sha256').update(`${record.messageId}\n${record.receiveCount}`).digest('hex');
}
