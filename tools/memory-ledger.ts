import { LedgerUnavailableError } from '#shared/errors';
import {
  applyWrite,
  type DecisionRecord,
  type DecisionRecorded,
  type FieldDecision,
  LEDGER_BATCHES,
  type LedgerItem,
  type LedgerStore,
  type LedgerWrite,
  refusalOf,
  type TransitionResult,
  withDecision,
} from '#shared/ledger';
import { runConcurrently } from '#shared/util';

/** The store operations `failNext` can make fail. */
export type LedgerOperation =
  | 'getMany'
  | 'create'
  | 'transition'
  | 'getRecords'
  | 'recordDecision'
  | 'putRecords';

/**
 * An in-memory {@link LedgerStore} for unit tests and the benchmark, with the DynamoDB store's
 * conditions: both take them from the transition table (`refusalOf` and `applyWrite` of
 * `shared/ledger/transitions.ts`), and `test/integration/ledger-store.test.ts` runs the same scenarios on both.
 * `failNext` makes the next calls throw {@link LedgerUnavailableError}, as an unreachable table would;
 * `latencyMs` makes every call wait, as a remote table would.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly items = new Map<string, LedgerItem>();
  readonly members = new Map<string, DecisionRecord>();
  /** Operations made, in order, e.g. `create:evt-1`. */
  readonly log: string[] = [];
  /** Every transition written, in order: what the property tests check the table against. */
  readonly written: { eventId: string; from: LedgerItem['status'] | undefined; write: LedgerWrite }[] = [];
  private failures: { operation: LedgerOperation | 'any'; count: number } | undefined;

  constructor(private readonly options: { latencyMs?: number } = {}) {}

  /** The next `count` calls of `operation` (or of any, with `'any'`) fail as if the table were unreachable. */
  failNext(operation: LedgerOperation | 'any', count = 1): void {
    this.failures = { operation, count };
  }

  async getMany(eventIds: readonly string[]): Promise<Map<string, LedgerItem>> {
    await this.check('getMany');
    const found = new Map<string, LedgerItem>();
    for (const eventId of eventIds) {
      const item = this.items.get(eventId);
      if (item) found.set(eventId, structuredClone(item));
    }
    return found;
  }

  async create(item: LedgerItem): Promise<'created' | 'exists'> {
    await this.check('create', item.eventId);
    if (this.items.has(item.eventId)) return 'exists';
    this.items.set(item.eventId, structuredClone({ ...item, version: 1 }));
    return 'created';
  }

  async transition(eventId: string, write: LedgerWrite): Promise<TransitionResult> {
    await this.check('transition', eventId);
    const current = this.items.get(eventId);
    const refusal = refusalOf(current, write);
    if (refusal !== undefined) {
      return { kind: 'refused', why: refusal, current: current && structuredClone(current) };
    }
    const item = applyWrite(eventId, current, write);
    this.items.set(eventId, item);
    // Kept and answered as they are, not copied: a write and the item it leaves are new objects, and
    // nothing changes them afterwards (the DynamoDB store answers a fresh object too).
    this.written.push({ eventId, from: current?.status, write });
    return { kind: 'written', item };
  }

  async getRecords(keys: readonly string[]): Promise<Map<string, DecisionRecord>> {
    // As DynamoDB's BatchGetItem: 100 keys a call, a few calls at once (each waits `latencyMs`).
    await this.chunked(keys.length, LEDGER_BATCHES.getKeys, () => this.check('getRecords'));
    const found = new Map<string, DecisionRecord>();
    for (const key of keys) {
      const record = this.members.get(key);
      if (record) found.set(key, structuredClone(record));
    }
    return found;
  }

  async recordDecision(
    member: Pick<DecisionRecord, 'key' | 'groupId' | 'account'>,
    fields: readonly string[],
    decision: FieldDecision,
    _expiresAt: number,
  ): Promise<DecisionRecorded> {
    await this.check('recordDecision', member.key);
    const current = this.members.get(member.key) ?? { ...member, fields: {} };
    const { record, newer } = withDecision(current, fields, decision);
    this.members.set(member.key, record);
    return { record, newer };
  }

  async putRecords(records: readonly DecisionRecord[], _expiresAt: number): Promise<void> {
    // As DynamoDB's BatchWriteItem: 25 items a call, a few calls at once.
    await this.chunked(records.length, LEDGER_BATCHES.putItems, () => this.check('putRecords'));
    for (const record of records) this.members.set(record.key, structuredClone(record));
  }

  /** One `call` per `size` of `count` (at least one), {@link LEDGER_BATCHES}`.callsAtOnce` at a time. */
  private async chunked(count: number, size: number, call: () => Promise<void>): Promise<void> {
    const chunks = Array.from({ length: Math.max(1, Math.ceil(count / size)) }, (_, i) => i);
    await runConcurrently(chunks, LEDGER_BATCHES.callsAtOnce, call);
  }

  private async check(operation: LedgerOperation, key?: string): Promise<void> {
    this.log.push(key === undefined ? operation : `${operation}:${key}`);
    if (this.options.latencyMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    }
    const failures = this.failures;
    if (
      failures &&
      failures.count > 0 &&
      (failures.operation === operation || failures.operation === 'any')
    ) {
      failures.count--;
      throw new LedgerUnavailableError(`ledger ${operation} failed`);
    }
  }
}
