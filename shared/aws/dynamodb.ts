import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { LedgerUnavailableError } from '../errors/index.ts';
import {
  allowedFrom,
  type DecisionRecord,
  type DecisionRecorded,
  type FieldDecision,
  isAllowed,
  LEDGER_BATCHES,
  type LedgerItem,
  type LedgerStore,
  type LedgerWrite,
  type TransitionResult,
  withDecision,
} from '../ledger/index.ts';
import { runConcurrently } from '../util/index.ts';

/** Rounds of `UnprocessedKeys` (and `UnprocessedItems`) retried before giving up. */
const UNPROCESSED_ROUNDS = 5;
/** A decision record's fields are attributes named with this prefix (`field:role`, `field:data.level`). */
const FIELD_PREFIX = 'field:';
/** Times a decision record's conditional write is tried again after another writer changed it. */
const DECISION_ROUNDS = 3;

/** The fields of an item that a transition may set or remove, besides those every transition writes. */
/** Every field a transition may set (`LedgerWrite.set`): the record makes the compiler name each one. */
const OPTIONAL_FIELDS = Object.keys({
  lastError: true,
  nextAttemptAt: true,
  appliedAt: true,
  deadLetteredAt: true,
  supersededBy: true,
  recalled: true,
  accountOutcomes: true,
  deadLetteredAccounts: true,
} satisfies Record<keyof LedgerWrite['set'], true>) as (keyof LedgerWrite['set'])[];

/**
 * The ledger on a DynamoDB table keyed by `eventId` (string), with TTL on `expiresAt`: event items, and
 * decision records (of members, groups, accounts) under keys no eventId can take. Every transition is one conditional `UpdateItem` whose
 * condition comes from the transition table (`shared/ledger/transitions.ts`): the item's status must be one the
 * table lets the writer move on from, and its version the one the writer read. Every SDK failure becomes
 * a {@link LedgerUnavailableError} naming the operation, never an item's contents.
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
    for (const item of await this.batchGet(eventIds))
      items.set(String(item.eventId), item as unknown as LedgerItem);
    return items;
  }

  async getRecords(keys: readonly string[]): Promise<Map<string, DecisionRecord>> {
    const records = new Map<string, DecisionRecord>();
    for (const item of await this.batchGet(keys)) {
      const record = toDecisionRecord(item);
      records.set(record.key, record);
    }
    return records;
  }

  async create(item: LedgerItem): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...item, version: 1 },
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw new LedgerUnavailableError('ledger write failed', { cause: error });
    }
  }

  async transition(eventId: string, write: LedgerWrite): Promise<TransitionResult> {
    if (!isAllowed(write.read?.status, write.to, write.by)) {
      return { kind: 'refused', why: 'not_allowed', current: await this.getOne(eventId) };
    }
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = {
      ':to': write.to,
      ':at': write.at,
      ':history': write.history,
      ':expiresAt': write.expiresAt,
      ':attempts': write.attempts,
      ':version': (write.read?.version ?? 0) + 1,
    };
    const set = [
      '#status = :to',
      'updatedAt = :at',
      'history = :history',
      'expiresAt = :expiresAt',
      'attempts = :attempts',
      '#version = :version',
    ];
    const remove: string[] = [];
    for (const field of OPTIONAL_FIELDS) {
      const value = write.set[field];
      if (value !== undefined) {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      } else if (field === 'nextAttemptAt') {
        // Set by a retry or a hold for the next receive; gone once that has happened.
        remove.push(field);
      }
    }
    let condition: string;
    if (write.read === undefined) {
      // No item was read: this write creates it, with the event's identity.
      condition = 'attribute_not_exists(eventId)';
      const { base } = write;
      for (const [field, value] of Object.entries(base ?? {})) {
        if (value === undefined) continue;
        // By placeholder: `action` and `position` are DynamoDB reserved words.
        names[`#base_${field}`] = field;
        set.push(`#base_${field} = :base_${field}`);
        values[`:base_${field}`] = value;
      }
    } else {
      // The table's statuses, and the version as read (items from before versions have none: 0).
      const from = allowedFrom(write.to, write.by).filter((status) => status !== 'absent');
      from.forEach((status, i) => {
        values[`:from${i}`] = status;
      });
      let version = 'attribute_not_exists(#version)';
      if (write.read.version > 0) {
        version = '#version = :read';
        values[':read'] = write.read.version;
      }
      condition = `#status IN (${from.map((_, i) => `:from${i}`).join(', ')}) AND ${version}`;
    }
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'written', item: output.Attributes as LedgerItem };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { kind: 'refused', why: 'changed', current: await this.getOne(eventId) };
      }
      throw new LedgerUnavailableError('ledger write failed', { cause: error });
    }
  }

  async recordDecision(
    target: Pick<DecisionRecord, 'key' | 'groupId' | 'account'>,
    fields: readonly string[],
    decision: FieldDecision,
    expiresAt: number,
  ): Promise<DecisionRecorded> {
    let toWrite = [...fields];
    const newer: string[] = [];
    for (let round = 0; round < DECISION_ROUNDS; round++) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {
        ':decision': decision,
        ':position': decision.position,
        ':expiresAt': expiresAt,
      };
      const set = ['expiresAt = :expiresAt'];
      // A group's record has no account, an account's no group.
      if (target.groupId !== undefined) {
        values[':groupId'] = target.groupId;
        set.push('groupId = :groupId');
      }
      if (target.account !== undefined) {
        values[':account'] = target.account;
        set.push('account = :account');
      }
      const conditions: string[] = [];
      names['#position'] = 'position';
      toWrite.forEach((field, i) => {
        names[`#f${i}`] = `${FIELD_PREFIX}${field}`;
        set.push(`#f${i} = :decision`);
        // A decision at a later position stays; the same one again is harmless.
        conditions.push(`(attribute_not_exists(#f${i}) OR #f${i}.#position <= :position)`);
      });
      try {
        const output = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { eventId: target.key },
            UpdateExpression: `SET ${set.join(', ')}`,
            ...(conditions.length === 0 ? {} : { ConditionExpression: conditions.join(' AND ') }),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { record: toDecisionRecord(output.Attributes ?? {}), newer };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) {
          throw new LedgerUnavailableError('ledger write failed', { cause: error });
        }
      }
      // Another writer recorded a newer decision for some field: keep it, write the others.
      const current = (await this.getRecords([target.key])).get(target.key) ?? {
        ...target,
        fields: {},
      };
      const outcome = withDecision(current, toWrite, decision);
      newer.push(...outcome.newer);
      toWrite = toWrite.filter((field) => !outcome.newer.includes(field));
    }
    throw new LedgerUnavailableError('ledger write kept conflicting');
  }

  private async getOne(eventId: string): Promise<LedgerItem | undefined> {
    return (await this.getMany([eventId])).get(eventId);
  }

  async putRecords(records: readonly DecisionRecord[], expiresAt: number): Promise<void> {
    const items = records.map((record) => toStoredRecord(record, expiresAt));
    const chunks: Record<string, unknown>[][] = [];
    for (let start = 0; start < items.length; start += LEDGER_BATCHES.putItems) {
      chunks.push(items.slice(start, start + LEDGER_BATCHES.putItems));
    }
    await runConcurrently(chunks, LEDGER_BATCHES.callsAtOnce, async (chunk) => {
      let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] =
        chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS) throw new LedgerUnavailableError('ledger write throttled');
        const output = await this.call('write', () =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })),
        );
        requests = output.UnprocessedItems?.[this.tableName] ?? [];
      }
    });
  }

  private async batchGet(keys: readonly string[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    const unique = [...new Set(keys)];
    const chunks: string[][] = [];
    for (let start = 0; start < unique.length; start += LEDGER_BATCHES.getKeys) {
      chunks.push(unique.slice(start, start + LEDGER_BATCHES.getKeys));
    }
    await runConcurrently(chunks, LEDGER_BATCHES.callsAtOnce, async (chunk) => {
      let batch: Record<string, unknown>[] = chunk.map((eventId) => ({ eventId }));
      for (let round = 0; batch.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS) throw new LedgerUnavailableError('ledger read throttled');
        const output = await this.call('read', () =>
          this.doc.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: true } },
            }),
          ),
        );
        found.push(...(output.Responses?.[this.tableName] ?? []));
        batch = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    });
    return found;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new LedgerUnavailableError(`ledger ${operation} failed`, { cause: error });
    }
  }
}

/** A decision record as the table stores it: its fields as `field:` attributes, its ids, its expiry. */
function toStoredRecord(record: DecisionRecord, expiresAt: number): Record<string, unknown> {
  const item: Record<string, unknown> = { eventId: record.key, expiresAt };
  if (record.groupId !== undefined) item.groupId = record.groupId;
  if (record.account !== undefined) item.account = record.account;
  for (const [field, decision] of Object.entries(record.fields)) item[`${FIELD_PREFIX}${field}`] = decision;
  return item;
}

/** A stored decision record as the domain reads it. */
function toDecisionRecord(item: Record<string, unknown>): DecisionRecord {
  const fields: Record<string, FieldDecision> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(FIELD_PREFIX)) fields[name.slice(FIELD_PREFIX.length)] = value as FieldDecision;
  }
  return {
    key: String(item.eventId),
    ...(typeof item.groupId === 'string' ? { groupId: item.groupId } : {}),
    ...(typeof item.account === 'string' ? { account: item.account } : {}),
    fields,
  };
}
