import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type LedgerItem,
  type LedgerOutcome,
  type LedgerStatus,
  type LedgerStore,
  LedgerUnavailableError,
} from '../ledger.ts';

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;
/** Rounds of `UnprocessedKeys` retried before giving up. */
const UNPROCESSED_ROUNDS = 5;

/**
 * The ledger on a DynamoDB table keyed by `eventId` (string), with TTL on `expiresAt`. Every SDK failure
 * becomes a {@link LedgerUnavailableError} naming the operation, never an item's contents.
 */
export class DynamoLedgerStore implements LedgerStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async getMany(eventIds: readonly string[]): Promise<Map<string, LedgerItem>> {
    const items = new Map<string, LedgerItem>();
    const unique = [...new Set(eventIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = unique
        .slice(start, start + BATCH_GET_LIMIT)
        .map((eventId) => ({ eventId }));
      for (let round = 0; keys.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS) throw new LedgerUnavailableError('ledger read throttled');
        const output = await this.call('read', () =>
          this.doc.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          ),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          items.set(String(item.eventId), item as LedgerItem);
        }
        keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  async create(item: LedgerItem): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw new LedgerUnavailableError('ledger write failed', { cause: error });
    }
  }

  markQueued(eventId: string, at: string, expiresAt: number): Promise<void> {
    // Unless the consumer already recorded an outcome: then there is nothing to confirm.
    return this.transition(eventId, 'received', 'queued', at, expiresAt);
  }

  async recordOutcome(
    eventId: string,
    priorAttempts: number,
    outcome: LedgerOutcome,
  ): Promise<LedgerItem | 'conflict'> {
    const set: string[] = [
      '#status = :status',
      'updatedAt = :at',
      'history = :history',
      'expiresAt = :expiresAt',
      'attempts = :attempts',
      // The item's identity, for an item the ledger did not have yet.
      'groupId = if_not_exists(groupId, :groupId)',
      'account = if_not_exists(account, :account)',
      '#action = if_not_exists(#action, :action)',
      'fingerprint = if_not_exists(fingerprint, :fingerprint)',
      'acceptedAt = if_not_exists(acceptedAt, :acceptedAt)',
    ];
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':at': outcome.at,
      ':history': outcome.history,
      ':expiresAt': outcome.expiresAt,
      ':attempts': priorAttempts + (outcome.attempted ? 1 : 0),
      ':prior': priorAttempts,
      ':groupId': outcome.base.groupId,
      ':account': outcome.base.account,
      ':action': outcome.base.action,
      ':fingerprint': outcome.base.fingerprint,
      ':acceptedAt': outcome.base.acceptedAt,
    };
    const remove: string[] = [];
    for (const field of ['lastError', 'nextAttemptAt', 'appliedAt', 'deadLetteredAt'] as const) {
      const value = outcome[field];
      if (value === undefined) {
        // A retry clears `nextAttemptAt` once it has happened; the others stay as they were.
        if (field === 'nextAttemptAt') remove.push(field);
      } else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(eventId) OR attempts = :prior',
          ExpressionAttributeNames: { '#status': 'status', '#action': 'action' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return output.Attributes as LedgerItem;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'conflict';
      throw new LedgerUnavailableError('ledger write failed', { cause: error });
    }
  }

  markRedriven(eventId: string, at: string, expiresAt: number): Promise<void> {
    // Only a dead letter: a late mark must never overwrite a newer outcome. A fresh attempt budget.
    return this.transition(eventId, 'dead_lettered', 'redriven', at, expiresAt, { attempts: 0 });
  }

  /** Moves an item from one status to another, with a history entry; does nothing from any other status. */
  private async transition(
    eventId: string,
    from: LedgerStatus,
    to: LedgerStatus,
    at: string,
    expiresAt: number,
    set: { attempts?: number } = {},
  ): Promise<void> {
    const resets = set.attempts === undefined ? '' : ', attempts = :attempts';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId },
          UpdateExpression: `SET #status = :to, updatedAt = :at, expiresAt = :expiresAt, history = list_append(history, :entry)${resets} REMOVE nextAttemptAt`,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':from': from,
            ':to': to,
            ':at': at,
            ':expiresAt': expiresAt,
            ':entry': [{ at, outcome: to }],
            ...(set.attempts === undefined ? {} : { ':attempts': set.attempts }),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new LedgerUnavailableError('ledger write failed', { cause: error });
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new LedgerUnavailableError(`ledger ${operation} failed`, { cause: error });
    }
  }
}
