/**
 * The functions' integer settings, written once: each row names the environment variable the function
 * reads, the CDK context key that sets it, its default and its range. `config.ts` reads the functions'
 * environment from this table, `infra/config.ts` validates the context with it, and the README's
 * Settings table is checked against it.
 *
 * To add a setting, add a row: the function's config gains the field (named as the row, documented by
 * the row's comment), the loader reads and range-checks the variable, and the stack accepts the context
 * key and passes it on when it is set. Nothing else needs to change.
 */

/** A default and the range a value must lie in (both ends included). */
export interface IntegerRange {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** One row of {@link SETTINGS}. */
export interface IntegerSetting extends IntegerRange {
  /** The environment variable the function reads. */
  readonly env: string;
  /**
   * The CDK context key that sets it (`-c key=value`); `null` when the stack itself derives the value
   * and nobody sets it directly.
   */
  readonly context: string | null;
}

/** A function's rows: the field name of its config, and the row. */
export type SettingRows = Readonly<Record<string, IntegerSetting>>;

/** The values of a function's rows, by field name, as its config holds them. */
export type SettingValues<T extends SettingRows> = { -readonly [K in keyof T]: number };

/**
 * Days an event's ledger item is kept after its last change (DynamoDB TTL). At least the 14 days the
 * queue keeps an event, so that a duplicate is recognised for as long as the original can be delivered.
 * Both functions that write the ledger read it; the stack gives both the same value.
 */
const LEDGER_RETENTION_DAYS = {
  env: 'LEDGER_RETENTION_DAYS',
  context: 'ledgerRetentionDays',
  default: 14,
  min: 14,
  max: 3_650,
} as const satisfies IntegerSetting;

/** The integer settings of each function. The comment on a row documents its config field. */
export const SETTINGS = {
  ingest: {
    /** Largest request body accepted, in bytes (413 above it). API Gateway's own limit is a fixed 10 MB. */
    maxBodyBytes: {
      env: 'MAX_BODY_BYTES',
      context: 'maxBodyBytes',
      default: 262_144,
      min: 1_024,
      max: 10_485_760,
    },
    /** Days an event's ledger item is kept after its last change. */
    ledgerRetentionDays: LEDGER_RETENTION_DAYS,
  },
  consumer: {
    /** Timeout of one Tencent call, in milliseconds. */
    tencentTimeoutMs: {
      env: 'TENCENT_TIMEOUT_MS',
      context: 'tencentTimeoutMs',
      default: 3_000,
      min: 100,
      max: 60_000,
    },
    /** Attempts before a transient failure is dead-lettered. */
    maxAttempts: { env: 'MAX_ATTEMPTS', context: 'maxAttempts', default: 10, min: 1, max: 100 },
    /** Attempts for the ambiguous account-check codes 60004 and 60005. */
    ambiguousMaxAttempts: {
      env: 'AMBIGUOUS_MAX_ATTEMPTS',
      context: 'ambiguousMaxAttempts',
      default: 3,
      min: 1,
      max: 100,
    },
    /** First retry delay, in seconds (jittered between half and all of it); doubles per attempt. */
    backoffBaseSeconds: {
      env: 'BACKOFF_BASE_SECONDS',
      context: 'backoffBaseSeconds',
      default: 2,
      min: 1,
      max: 900,
    },
    /** Longest retry delay, in seconds. */
    backoffMaxSeconds: {
      env: 'BACKOFF_MAX_SECONDS',
      context: 'backoffMaxSeconds',
      default: 900,
      min: 1,
      max: 43_200,
    },
    /** How long the credentials secret is cached per container, in seconds. */
    secretMaxAgeSeconds: {
      env: 'SECRET_MAX_AGE_SECONDS',
      context: 'secretMaxAgeSeconds',
      default: 300,
      min: 0,
      max: 86_400,
    },
    /** Validity of the UserSigs the consumer makes, in seconds. */
    userSigTtlSeconds: {
      env: 'USERSIG_TTL_SECONDS',
      context: 'userSigTtlSeconds',
      default: 86_400,
      min: 3_600,
      max: 315_360_000,
    },
    /** Members (message groups) processed at once in one invocation. */
    groupConcurrency: {
      env: 'GROUP_CONCURRENCY',
      context: 'groupConcurrency',
      default: 10,
      min: 1,
      max: 100,
    },
    /** No call starts when the invocation has less than the Tencent timeout plus this left, in milliseconds. */
    timeReserveMs: { env: 'TIME_RESERVE_MS', context: 'timeReserveMs', default: 1_000, min: 0, max: 60_000 },
    /** Tencent calls per second for the whole deployment (Tencent allows 200 per SDKAppID). */
    tencentCallsPerSecond: {
      env: 'TENCENT_CALLS_PER_SECOND',
      context: 'tencentCallsPerSecond',
      default: 180,
      min: 1,
      max: 100_000,
    },
    /**
     * The event source's maximum concurrency: how many containers share the call rate. The stack sets it
     * from its `maxConcurrency` context key, which also sets the event source, so the two always agree.
     */
    consumerMaxConcurrency: {
      env: 'CONSUMER_MAX_CONCURRENCY',
      context: null,
      default: 2,
      min: 1,
      max: 1_000,
    },
    /** Longest delay between two receives of a held event, in seconds. */
    holdMaxSeconds: {
      env: 'HOLD_MAX_SECONDS',
      context: 'holdMaxSeconds',
      default: 3_600,
      min: 1,
      max: 43_200,
    },
    /** Least delay after a timed-out call before the member is called again, in seconds. */
    timeoutSettleSeconds: {
      env: 'TIMEOUT_SETTLE_SECONDS',
      context: 'timeoutSettleSeconds',
      default: 10,
      min: 0,
      max: 900,
    },
    /** Days an event's ledger item is kept after its last change. */
    ledgerRetentionDays: LEDGER_RETENTION_DAYS,
  },
} as const satisfies Readonly<Record<'ingest' | 'consumer', SettingRows>>;

/** One row of {@link CHOICE_SETTINGS}: a value from a fixed list. */
export interface ChoiceSetting<T extends string = string> {
  /** The environment variable the function reads. */
  readonly env: string;
  /** The CDK context key that sets it (`-c key=value`). */
  readonly context: string;
  readonly default: T;
  /** Every valid value, the default among them. */
  readonly values: readonly T[];
}

/** A function's choice rows: the field name of its config, and the row. */
export type ChoiceRows = Readonly<Record<string, ChoiceSetting>>;

/** The values of a function's choice rows, by field name, as its config holds them. */
export type ChoiceValues<T extends ChoiceRows> = {
  -readonly [K in keyof T]: T[K]['values'][number];
};

/** The Tencent APIs a mute or an unmute can go through. */
export const MUTE_APIS = ['modify_group_member_info', 'forbid_send_msg'] as const;

/** A value of `MUTE_API`. */
export type MuteApi = (typeof MUTE_APIS)[number];

/**
 * The functions' settings that pick one of a few values, written once like {@link SETTINGS}: the
 * loader refuses any other value, naming the valid ones, and so does the stack for the context key.
 */
export const CHOICE_SETTINGS = {
  consumer: {
    /**
     * The Tencent API of `mute` and `unmute`: `modify_group_member_info` (one member a call), or
     * `forbid_send_msg` (up to 500 members of one group a call, and the one that works in AVChatRoom
     * groups), where the consumer sends the mutes of several members as one call. The other actions
     * always use `modify_group_member_info`.
     */
    muteApi: {
      env: 'MUTE_API',
      context: 'muteApi',
      default: 'modify_group_member_info',
      values: MUTE_APIS,
    },
  },
} as const satisfies Readonly<Record<'consumer', ChoiceRows>>;
