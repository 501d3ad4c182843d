import {
  type LedgerItem,
  type LedgerOutcome,
  type LedgerStore,
  LedgerUnavailableError,
} from '#shared/ledger';

/**
 * An in-memory {@link LedgerStore} for unit tests, with the DynamoDB store's conditions (checked to
 * behave alike in `test/integration/ledger-store.test.ts`). `failNext` makes the next calls throw
 * {@link LedgerUnavailableError}, as an unreachable table would.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly items = new Map<string, LedgerItem>();
  /** Operations made, in order, e.g. `create:evt-1`. */
  readonly log: string[] = [];
  private failures: { operation: string; count: number } | undefined;

  /** The next `count` calls of `operation` (or of any, with `'any'`) fail as if the table were unreachable. */
  failNext(operation: 'getMany' | 'create' | 'markQueued' | 'recordOutcome' | 'any', count = 1): void {
    this.failures = { operation, count };
  }

  async getMany(eventIds: readonly string[]): Promise<Map<string, LedgerItem>> {
    this.check('getMany');
    const found = new Map<string, LedgerItem>();
    for (const eventId of eventIds) {
      const item = this.items.get(eventId);
      if (item) found.set(eventId, structuredClone(item));
    }
    return found;
  }

  async create(item: LedgerItem): Promise<'created' | 'exists'> {
    this.check('create', item.eventId);
    if (this.items.has(item.eventId)) return 'exists';
    this.items.set(item.eventId, structuredClone(item));
    return 'created';
  }

  async markQueued(eventId: string, at: string, expiresAt: number): Promise<void> {
    this.check('markQueued', eventId);
    const item = this.items.get(eventId);
    if (item?.status !== 'received') return;
    this.items.set(eventId, {
      ...item,
      status: 'queued',
      updatedAt: at,
      expiresAt,
      history: [...item.history, { at, outcome: 'queued' }],
    });
  }

  async recordOutcome(
    eventId: string,
    priorAttempts: number,
    outcome: LedgerOutcome,
  ): Promise<LedgerItem | 'conflict'> {
    this.check('recordOutcome', eventId);
    const item = this.items.get(eventId);
    if (item && item.attempts !== priorAttempts) return 'conflict';
    const previous: LedgerItem = item ?? {
      eventId,
      ...outcome.base,
      status: outcome.status,
      updatedAt: outcome.at,
      attempts: 0,
      history: [],
      expiresAt: outcome.expiresAt,
    };
    // As the DynamoDB store: given fields are set, others kept, and `nextAttemptAt` dropped when not given.
    const lastError = outcome.lastError ?? previous.lastError;
    const appliedAt = outcome.appliedAt ?? previous.appliedAt;
    const deadLetteredAt = outcome.deadLetteredAt ?? previous.deadLetteredAt;
    const recorded: LedgerItem = {
      eventId,
      status: outcome.status,
      groupId: previous.groupId,
      account: previous.account,
      action: previous.action,
      fingerprint: previous.fingerprint,
      acceptedAt: previous.acceptedAt,
      updatedAt: outcome.at,
      attempts: priorAttempts + (outcome.attempted ? 1 : 0),
      history: outcome.history,
      expiresAt: outcome.expiresAt,
      ...(lastError === undefined ? {} : { lastError }),
      ...(outcome.nextAttemptAt === undefined ? {} : { nextAttemptAt: outcome.nextAttemptAt }),
      ...(appliedAt === undefined ? {} : { appliedAt }),
      ...(deadLetteredAt === undefined ? {} : { deadLetteredAt }),
    };
    this.items.set(eventId, recorded);
    return structuredClone(recorded);
  }

  async markRedriven(eventId: string, at: string, expiresAt: number): Promise<void> {
    this.check('markRedriven', eventId);
    const item = this.items.get(eventId);
    if (item?.status !== 'dead_lettered') return;
    const { nextAttemptAt: _next, ...kept } = item;
    this.items.set(eventId, {
      ...kept,
      status: 'redriven',
      updatedAt: at,
      expiresAt,
      attempts: 0,
      history: [...item.history, { at, outcome: 'redriven' }],
    });
  }

  private check(operation: string, eventId?: string): void {
    this.log.push(eventId === undefined ? operation : `${operation}:${eventId}`);
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
