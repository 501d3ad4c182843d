/**
 * The functions' integer settings, written once: each row names the environment variable the function
 * reads, the CDK context key that sets it, its default and its range. `config.ts` reads the functions'
 * environment from this table, `infra/config.ts` validates the context with it, and the table of
 * docs/settings.md is checked against it.
 *
 * To add a setting, add a row: the function's config gains the field (named as the row, documented by
 * the row's comment), the loader reads and range-checks the variable, and the stack accepts the context
 * key and passes it on when it is set. Nothing else needs to change.
 *
 * Settings that name a resource (a secret) are rows of {@link NAME_SETTINGS}: a variable, a context
 * key and a pattern; the stack derives their defaults from the stage and region.
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

/**
 * How long a secret is cached per container, in seconds: the consumer's Tencent credentials and, in
 * webhook mode, the ingest's signing secrets. One context key sets both.
 */
const SECRET_MAX_AGE_SECONDS = {
  env: 'SECRET_MAX_AGE_SECONDS',
  context: 'secretMaxAgeSeconds',
  default: 300,
  min: 0,
  max: 86_400,
} as const satisfies IntegerSetting;

/** The integer settings of each function. The comment on a row documents its config field. */
export const SETTINGS = {
  ingest: {
    /**
     * Largest request body accepted, in bytes (413 above it). API Gateway's own limit is a fixed 10 MB.
     * 1 MiB holds a request of 20 bulk events of 500 accounts of 32 bytes (about 0.4 MB) with room.
     */
    maxBodyBytes: {
      env: 'MAX_BODY_BYTES',
      context: 'maxBodyBytes',
      default: 1_048_576,
      min: 1_024,
      max: 10_485_760,
    },
    /** Days an event's ledger item is kept after its last change. */
    ledgerRetentionDays: LEDGER_RETENTION_DAYS,
    /** How long the webhook signing secrets are cached per container, in seconds (webhook mode only). */
    secretMaxAgeSeconds: SECRET_MAX_AGE_SECONDS,
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
    secretMaxAgeSeconds: SECRET_MAX_AGE_SECONDS,
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

/**
 * A base-URL setting of the consumer: https (plain http only to a loopback address), scheme, host and
 * port only; the consumer and the stack check it with the same rules as `IM_ENDPOINT`.
 */
export interface UrlSetting {
  /** The environment variable the function reads. */
  readonly env: string;
  /** The CDK context key that sets it. */
  readonly context: string;
  /** The value (of the variable or the context key) that turns it off. */
  readonly off: string;
}

/**
 * Whether a base-URL setting holds a query or a fragment, even an empty one: `URL` reads a bare
 * `https://host?` or `https://host#` as having none, but the consumer appends the API path and its
 * query to the text, which would then land in the query or the fragment.
 */
export const hasQueryOrFragment = (raw: string): boolean => /[?#]/.test(raw);

/** The consumer's optional base-URL settings. The comment on a row documents its config field. */
export const URL_SETTINGS = {
  consumer: {
    /**
     * Base URL of the region's Tencent backup domain: a call that cannot connect to `IM_ENDPOINT` is
     * made at once here (backup-domain failover). Unset or `none`: no failover. The stack's default is
     * the region's documented backup domain (`IM_REGION_BACKUP_DOMAINS` in `infra/config.ts`).
     */
    imBackupEndpoint: { env: 'IM_BACKUP_ENDPOINT', context: 'imBackupEndpoint', off: 'none' },
  },
} as const satisfies Readonly<Record<'consumer', Readonly<Record<string, UrlSetting>>>>;

/** What a Secrets Manager secret name may hold (not an ARN): the rule of every secret-name setting. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,400}$/;
/** {@link SECRET_NAME_PATTERN} in words, for messages. */
export const SECRET_NAME_RULE = 'a Secrets Manager secret name (letters, digits and /_+=.@-)';

/**
 * A setting that names a resource: the function reads the name from `env` (unset: the feature is off),
 * the stack takes it from the `context` key or derives a default (`infra/config.ts`), and both check
 * it against `pattern`.
 */
export interface NameSetting {
  /** The environment variable the function reads. */
  readonly env: string;
  /** The CDK context key that sets it. */
  readonly context: string;
  /** What a valid value matches. */
  readonly pattern: RegExp;
  /** The pattern in words, for messages: "must be <rule>". */
  readonly rule: string;
}

/** The name settings of each function. The comment on a row documents its config field. */
export const NAME_SETTINGS = {
  ingest: {
    /**
     * The Secrets Manager secret holding the webhook signing secrets (`{"signingSecrets": [...]}`).
     * Set: every `POST /v1/events` must carry a Standard Webhooks signature made with one of them
     * (`apiAuth=webhook`); unset: no signature is checked (API Gateway authenticates the caller).
     */
    webhookSecretName: {
      env: 'WEBHOOK_SECRET_NAME',
      context: 'webhookSecretName',
      pattern: SECRET_NAME_PATTERN,
      rule: SECRET_NAME_RULE,
    },
  },
} as const satisfies Readonly<Record<'ingest', Readonly<Record<string, NameSetting>>>>;

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
