/**
 * The deployment's settings, read from CDK context (`cdk.json`, `cdk.context.json` or `-c key=value`)
 * and validated before any resource is built. A bad value stops the synth with one message that names
 * every problem and, for a choice, lists the valid values.
 */

import { receivesNeeded } from '#shared/consumer';
import { API_AUTH_MODES, type ApiAuthMode } from '#shared/http';
import {
  CHOICE_SETTINGS,
  type ChoiceValues,
  hasQueryOrFragment,
  type IntegerRange,
  type IntegerSetting,
  NAME_SETTINGS,
  SECRET_NAME_PATTERN,
  SECRET_NAME_RULE,
  SETTINGS,
  type SettingRows,
  URL_SETTINGS,
} from '#shared/settings';

/** Tencent Cloud Chat data centres and the domain of their REST API (`docs/tencent.md#region-domains`). */
export const IM_REGION_DOMAINS = {
  china: 'console.tim.qq.com',
  singapore: 'adminapisgp.im.qcloud.com',
  seoul: 'adminapikr.im.qcloud.com',
  tokyo: 'adminapijpn.im.qcloud.com',
  frankfurt: 'adminapiger.im.qcloud.com',
  'silicon-valley': 'adminapiusa.im.qcloud.com',
  jakarta: 'adminapiidn.im.qcloud.com',
} as const;

/** A Tencent Cloud Chat data centre, the `imRegion` context value. */
export type ImRegion = keyof typeof IM_REGION_DOMAINS;

/**
 * The backup domain Tencent documents for each data centre, for when the main one cannot be reached
 * (`docs/tencent.md#region-domains`): the default of `imBackupEndpoint`. None is documented for Tokyo.
 */
export const IM_REGION_BACKUP_DOMAINS: Readonly<Record<ImRegion, string | undefined>> = {
  china: 'adminapi.my-imcloud.com',
  singapore: 'adminapisgp.my-imcloud.com',
  seoul: 'adminapikr.my-imcloud.com',
  tokyo: undefined,
  frankfurt: 'adminapiger.my-imcloud.com',
  'silicon-valley': 'adminapiusa.my-imcloud.com',
  jakarta: 'adminapiidn.my-imcloud.com',
};

/** Every valid `imRegion`, in the order of the reference table. */
export const IM_REGIONS = Object.keys(IM_REGION_DOMAINS) as ImRegion[];

/** Every valid `apiAuth`, and its type: the list the OpenAPI document's security schemes are named by. */
export { API_AUTH_MODES, type ApiAuthMode };

/** Log retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** How long the main queue keeps an event: SQS's longest, 14 days (a hold may last that long). */
export const QUEUE_RETENTION_SECONDS = 14 * 86_400;

/** Tencent's frequency limit for `modify_group_member_info`: calls per second per SDKAppID. */
export const TENCENT_RATE_LIMIT = 200;

/** The context keys of a function's rows (a row whose `context` is `null` has none). */
type ContextKeyOf<T extends SettingRows> = { [K in keyof T]: T[K]['context'] }[keyof T] & string;

/** A function's rows that have a context key, by that key. */
function byContextKey<T extends SettingRows>(rows: T): Readonly<Record<ContextKeyOf<T>, IntegerSetting>> {
  const byKey: Record<string, IntegerSetting> = {};
  for (const row of Object.values(rows)) if (row.context !== null) byKey[row.context] = row;
  return byKey as Record<ContextKeyOf<T>, IntegerSetting>;
}

/** Typed `Object.entries` of a table keyed by a known set of keys. */
const entriesOf = <K extends string, V>(table: Readonly<Record<K, V>>): [K, V][] =>
  Object.entries(table) as [K, V][];

/** The name of a consumer tunable's context key. */
export type ConsumerTunable = ContextKeyOf<typeof SETTINGS.consumer>;

/** The name of an ingest setting's context key. */
type IngestTunable = ContextKeyOf<typeof SETTINGS.ingest>;

/**
 * The consumer's tunables by context key: the rows of `SETTINGS.consumer` (`shared/settings/settings.ts`) that
 * have one. Only the keys the context sets reach the function's environment; the others keep the
 * consumer's own default, which is the same row's.
 */
export const CONSUMER_TUNABLES = byContextKey(SETTINGS.consumer);

/**
 * The ingest function's settings by context key; each reaches its environment, defaults included,
 * where it applies (`secretMaxAgeSeconds` in webhook mode only).
 */
const INGEST_TUNABLES = byContextKey(SETTINGS.ingest);

/** The consumer's choice settings (`CHOICE_SETTINGS.consumer`), by field name; each has a context key. */
const CONSUMER_CHOICES = CHOICE_SETTINGS.consumer;

/** The consumer's choices, resolved, by field name (`muteApi`). */
export type ConsumerChoices = Readonly<ChoiceValues<typeof CONSUMER_CHOICES>>;

/** The stack's own integer settings: context key, default and valid range. */
export const STACK_SETTINGS = {
  /** Steady-state requests per second the API stage (and the API-key usage plan) allows. */
  apiRateLimit: { default: 50, min: 1, max: 10_000 },
  /** Burst of requests the API stage (and the API-key usage plan) allows. */
  apiBurstLimit: { default: 100, min: 1, max: 5_000 },
  /** Requests per day the API-key usage plan allows (API-key mode only). */
  apiKeyQuotaPerDay: { default: 1_000_000, min: 1, max: 1_000_000_000 },
  /** Messages per consumer invocation (SQS event source `batchSize`; FIFO allows at most 10). */
  batchSize: { default: 10, min: 1, max: 10 },
  /**
   * Concurrent consumer invocations (SQS event source `maxConcurrency`), also given to the consumer as
   * `CONSUMER_MAX_CONCURRENCY`: each invocation paces itself to `tencentCallsPerSecond / maxConcurrency`.
   */
  maxConcurrency: { default: SETTINGS.consumer.consumerMaxConcurrency.default, min: 2, max: 1_000 },
  /** Consumer function timeout, in seconds; the queue's visibility timeout is six times this. */
  consumerTimeoutSeconds: { default: 30, min: 5, max: 900 },
  /** Receives before SQS itself moves a message to the dead-letter queue; default from the retry policy (`receivesNeeded`). */
  maxReceiveCount: { default: 0, min: 2, max: 1_000 },
  /** Age of the oldest message on the main queue, in seconds, that raises the alarm. */
  queueAgeAlarmSeconds: { default: 600, min: 60, max: 1_209_600 },
  /** Days the functions' and the API's logs are kept; one of {@link LOG_RETENTION_DAYS}. */
  logRetentionDays: { default: 30, min: 1, max: 3_653 },
  /**
   * Requests one IP address may make in 5 minutes before the web ACL blocks it (with the web ACL only):
   * the limit of its rate-based rule, within what AWS WAF accepts (10 to 2,000,000,000).
   */
  wafRatePer5Min: { default: 3_000, min: 10, max: 2_000_000_000 },
  /**
   * Writes a second the ledger table serves at once (DynamoDB's warm throughput), for raids at full
   * speed: a bulk event writes one member record per account, and a new on-demand table starts at 4,000
   * (docs/event-lifecycle.md, "Bulk events (raids)"). 0: not pre-warmed; else 4,000 to 40,000 (the
   * default per-table quota). Raising it costs once; it cannot be lowered again.
   */
  ledgerWarmWritesPerSecond: { default: 0, min: 0, max: 40_000 },
} as const satisfies Record<string, IntegerRange>;

/** Writes a second a new on-demand DynamoDB table serves at once (its warm throughput). */
export const NEW_TABLE_WRITES_PER_SECOND = 4_000;

/** The name of a stack setting's context key. */
export type StackSetting = keyof typeof STACK_SETTINGS;

/** One row of {@link STACK_CHOICES}: a default and every valid value (the default among them). */
export interface StackChoice<T extends string = string> {
  readonly default: T;
  readonly values: readonly T[];
}

/**
 * The Lambda runtimes the bridge is built and tested for, newest first: `.ci/run` runs the tests on
 * Node.js 24 and on the machine's Node, and `bash .ci/with-node 22 npm test` runs them on 22.
 */
export const NODE_RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const;

/** A value of `nodeRuntime`. */
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

/**
 * The stack's own choices: context key, default and valid values, written once like
 * {@link STACK_SETTINGS}. They reach no function's environment: they shape the stack itself.
 */
export const STACK_CHOICES = {
  /**
   * The Lambda runtime of the three functions: `nodejs24.x` (Node.js 24, Lambda's LTS runtime) or
   * `nodejs22.x`. The bundles' esbuild target follows it (`node24`, `node22`).
   */
  nodeRuntime: { default: 'nodejs24.x', values: NODE_RUNTIMES },
} as const satisfies Record<string, StackChoice>;

/** esbuild's target for a runtime, as `NodejsFunction` derives it when given none: `nodejs24.x` -> `node24`. */
export const esbuildTarget = (runtime: NodeRuntime): string => runtime.replace(/^nodejs(\d+)\.x$/, 'node$1');

/** The stack's choices, resolved, by context key (`nodeRuntime`). */
export type StackChoices = {
  readonly [K in keyof typeof STACK_CHOICES]: (typeof STACK_CHOICES)[K]['values'][number];
};

/** Context keys this app reads. Any other key without `:` or a leading `@` is reported as a typo. */
export const CONTEXT_KEYS = [
  'stage',
  'imRegion',
  'imEndpoint',
  ...Object.values(URL_SETTINGS.consumer).map((row) => row.context),
  'imSecretName',
  'awsRegion',
  'apiAuth',
  'alarmEmail',
  'apiGatewayCloudWatchRole',
  'outcomeEvents',
  'outcomeBusName',
  'waf',
  ...Object.values(NAME_SETTINGS.ingest).map((row) => row.context),
  ...Object.keys(STACK_SETTINGS),
  ...Object.keys(STACK_CHOICES),
  // `ledgerRetentionDays` is a row of both functions: listed once.
  ...new Set([...Object.keys(INGEST_TUNABLES), ...Object.keys(CONSUMER_TUNABLES)]),
  ...Object.values(CONSUMER_CHOICES).map((row) => row.context),
] as const;

/**
 * Keys the CDK CLI itself keeps in the context: `cdk acknowledge` writes `acknowledged-issue-numbers`,
 * and cdk.json sets `cli-telemetry: false` so that no command tries to reach the network.
 */
const CDK_CLI_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

/** Default of `outcomeBusName`: the account's default event bus. */
export const DEFAULT_OUTCOME_BUS = 'default';

/** Default of `stage` when the context has none (the committed `cdk.json` sets it too). */
export const DEFAULT_STAGE = 'dev';
/** Default of `imRegion` when the context has none (the committed `cdk.json` sets it too). */
export const DEFAULT_IM_REGION: ImRegion = 'singapore';

/** The validated deployment settings. */
export interface BridgeConfig {
  /** Deployment stage (`dev`, `prod`, …): part of the stack name and of every resource name. */
  readonly stage: string;
  /** Tencent data centre of the app. */
  readonly imRegion: ImRegion;
  /** Base URL of the Tencent REST API, `https://…` without trailing slash (`IM_ENDPOINT`). */
  readonly imEndpoint: string;
  /**
   * Base URL of the backup domain calls fail over to (`IM_BACKUP_ENDPOINT`): the region's documented
   * one unless `imBackupEndpoint` sets another; `undefined` for none (`-c imBackupEndpoint=none`, Tokyo,
   * or an `imEndpoint` that is the region's backup domain itself).
   */
  readonly imBackupEndpoint: string | undefined;
  /** Name of the existing Secrets Manager secret with the Tencent admin credentials. */
  readonly imSecretName: string;
  /**
   * Name of the existing Secrets Manager secret with the webhook signing secrets; read by the ingest
   * function in `webhook` mode only (`WEBHOOK_SECRET_NAME`).
   */
  readonly webhookSecretName: string;
  /** AWS region to deploy to; `undefined` leaves it to the CLI's profile (`CDK_DEFAULT_REGION`). */
  readonly awsRegion: string | undefined;
  /** How callers authenticate to the API. */
  readonly apiAuth: ApiAuthMode;
  /**
   * Whether an AWS WAF web ACL (a rate-based rule per IP and AWS's common rule set) protects the API
   * stage. Default {@link wafDefault}: on in `webhook` mode, where the API is public (`-c waf=false` opts
   * out, with a warning in the synth output); off in the other modes (`-c waf=true` adds one).
   */
  readonly waf: boolean;
  /** E-mail address subscribed to the alarm topic, if any. */
  readonly alarmEmail: string | undefined;
  /**
   * Whether the stack sets the account's API Gateway CloudWatch Logs role, which access logs need. Turn it
   * off when the account (per AWS region) already has one.
   */
  readonly apiGatewayCloudWatchRole: boolean;
  /**
   * The EventBridge bus the consumer publishes outcome events on (`OUTCOME_BUS`), or `undefined` for
   * none: `-c outcomeEvents=true` turns them on, `outcomeBusName` names the bus (default `default`).
   */
  readonly outcomeBus: string | undefined;
  /** The stack's integer settings and the ingest function's, resolved (defaults applied). */
  readonly settings: { readonly [K in StackSetting | IngestTunable]: number };
  /** Every consumer tunable, resolved (defaults applied), for the stack's own arithmetic. */
  readonly tunables: { readonly [K in ConsumerTunable]: number };
  /** Every consumer choice, resolved (defaults applied). */
  readonly choices: ConsumerChoices;
  /** The stack's own choices, resolved (defaults applied): `nodeRuntime`. */
  readonly stackChoices: StackChoices;
  /** Only the tunables and choices the context sets, as the consumer's environment variables. */
  readonly consumerTunableEnvironment: Readonly<Record<string, string>>;
  /** `moderation-bridge-<stage>-<imRegion>`: the prefix of every physical resource name. */
  readonly resourcePrefix: string;
  /** `ModerationBridge-<stage>-<imRegion>`. */
  readonly stackName: string;
}

/** The context is invalid; the message names every bad key and, for choices, the valid values. */
export class ContextError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CDK context:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ContextError';
  }
}

/** Where settings come from: `app.node` or any object with the same two methods. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
  getAllContext?(): Record<string, unknown>;
}

const STAGE_PATTERN = /^[a-z][a-z0-9]{0,11}$/;
const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** An EventBridge event bus name (not an ARN): what `events:PutEvents` is granted on, in this account. */
const EVENT_BUS_NAME_PATTERN = /^[A-Za-z0-9._\-/]{1,256}$/;

/** Reads context values the way both `cdk.json` (typed JSON) and `-c key=value` (strings) supply them. */
class ContextReader {
  readonly problems: string[] = [];

  constructor(private readonly source: ContextSource) {}

  /** A trimmed string, or `undefined` when the key is absent or empty. */
  optionalString(key: string): string | undefined {
    const raw = this.source.tryGetContext(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      this.problems.push(`${key} must be a string, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    const value = String(raw).trim();
    return value === '' ? undefined : value;
  }

  choice<T extends string>(key: string, valid: readonly T[], fallback: T): T {
    const value = this.optionalString(key);
    if (value === undefined) return fallback;
    if (!(valid as readonly string[]).includes(value)) {
      this.problems.push(`${key} must be one of ${valid.join(', ')}; got '${value}'`);
      return fallback;
    }
    return value as T;
  }

  matching(key: string, pattern: RegExp, rule: string): string | undefined {
    const value = this.optionalString(key);
    if (value !== undefined && !pattern.test(value)) {
      this.problems.push(`${key} must be ${rule}; got '${value}'`);
      return undefined;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.source.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    this.problems.push(`${key} must be one of true, false; got ${JSON.stringify(raw)}`);
    return fallback;
  }

  /** An integer within the rule's range, or `undefined` when absent (or invalid, which is recorded). */
  integer(key: string, rule: IntegerRange): number | undefined {
    const raw = this.source.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const text = String(raw).trim();
    const value = Number(text);
    if (
      (typeof raw !== 'number' && typeof raw !== 'string') ||
      !/^-?\d+$/.test(text) ||
      !Number.isSafeInteger(value) ||
      value < rule.min ||
      value > rule.max
    ) {
      this.problems.push(
        `${key} must be an integer from ${rule.min} to ${rule.max}; got ${JSON.stringify(raw)}`,
      );
      return undefined;
    }
    return value;
  }

  /** Reports keys that look like ours but are not: a typo would otherwise fall back to a default. */
  unknownKeys(): void {
    const all = this.source.getAllContext?.() ?? {};
    const known = new Set<string>(CONTEXT_KEYS);
    for (const key of Object.keys(all)) {
      if (key.includes(':') || key.startsWith('@') || known.has(key) || CDK_CLI_KEYS.has(key)) continue;
      this.problems.push(`unknown context key '${key}'; valid keys are ${CONTEXT_KEYS.join(', ')}`);
    }
  }
}

/**
 * An https base URL from a context key (scheme and host only), without trailing slash; `undefined`
 * when the key is absent. The one check of `imEndpoint` and `imBackupEndpoint`.
 */
function readBaseUrl(reader: ContextReader, key: string, example: string): string | undefined {
  const value = reader.optionalString(key);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    reader.problems.push(`${key} must be an absolute https URL such as ${example}; got '${value}'`);
    return value;
  }
  const hasPath = url.pathname !== '/' && url.pathname !== '';
  const queryOrFragment = url.search || url.hash || hasQueryOrFragment(value);
  if (url.protocol !== 'https:' || queryOrFragment || url.username || url.password || hasPath) {
    reader.problems.push(
      `${key} must be an https base URL (scheme and host only: the API path is added by the consumer) without credentials, path, query or fragment; got '${value}'`,
    );
  }
  return value.replace(/\/+$/, '');
}

function readEndpoint(reader: ContextReader, imRegion: ImRegion): string {
  return (
    readBaseUrl(reader, 'imEndpoint', 'https://adminapisgp.im.qcloud.com') ??
    `https://${IM_REGION_DOMAINS[imRegion]}`
  );
}

/**
 * The backup endpoint: `imBackupEndpoint`, `none` for no failover, or by default the region's
 * documented backup domain (none for Tokyo, and none when `imEndpoint` already is that domain).
 */
function readBackupEndpoint(
  reader: ContextReader,
  imRegion: ImRegion,
  imEndpoint: string,
): string | undefined {
  const { context: key, off } = URL_SETTINGS.consumer.imBackupEndpoint;
  if (reader.optionalString(key) === off) return undefined;
  const explicit = readBaseUrl(reader, key, 'https://adminapisgp.my-imcloud.com');
  if (explicit === undefined) {
    const domain = IM_REGION_BACKUP_DOMAINS[imRegion];
    const fallback = domain === undefined ? undefined : `https://${domain}`;
    return fallback === imEndpoint ? undefined : fallback;
  }
  if (explicit === imEndpoint) {
    reader.problems.push(
      `${key} must differ from imEndpoint (or be '${off}' for no failover); got '${explicit}'`,
    );
  }
  return explicit;
}

/**
 * Whether the API gets the WAF web ACL unless the context says (`waf`): in `webhook` mode, yes. There
 * anyone can reach `POST /v1/events`, and every request, signed or not, costs an ingest invocation, so a
 * rate limit per IP address is the default; the callers of the other modes authenticate to API Gateway
 * first, and a web ACL would add cost without adding a control they lack.
 */
export function wafDefault(apiAuth: ApiAuthMode): boolean {
  return apiAuth === 'webhook';
}

/**
 * Reads and validates the deployment settings.
 *
 * @param source - usually `app.node`; tests pass a stub.
 * @throws {@link ContextError} naming every invalid key, with the valid values of a choice.
 * @example
 * const app = new App();
 * const config = loadBridgeConfig(app.node);
 * new BridgeStack(app, config.stackName, { config });
 */
export function loadBridgeConfig(source: ContextSource): BridgeConfig {
  const reader = new ContextReader(source);
  reader.unknownKeys();

  const stage =
    reader.matching('stage', STAGE_PATTERN, '1 to 12 lower-case letters or digits, starting with a letter') ??
    DEFAULT_STAGE;
  const imRegion = reader.choice('imRegion', IM_REGIONS, DEFAULT_IM_REGION);
  const imEndpoint = readEndpoint(reader, imRegion);
  const imBackupEndpoint = readBackupEndpoint(reader, imRegion, imEndpoint);
  const resourcePrefix = `moderation-bridge-${stage}-${imRegion}`;
  // The deployment's secrets share one prefix: the Tencent credentials' name, and names below it.
  const secretPrefix = `moderation-bridge/${stage}/${imRegion}`;
  const imSecretName = reader.matching('imSecretName', SECRET_NAME_PATTERN, SECRET_NAME_RULE) ?? secretPrefix;
  const webhookSecretSetting = NAME_SETTINGS.ingest.webhookSecretName;
  const webhookSecretName =
    reader.matching(webhookSecretSetting.context, webhookSecretSetting.pattern, webhookSecretSetting.rule) ??
    `${secretPrefix}/webhook`;
  const awsRegion = reader.matching(
    'awsRegion',
    AWS_REGION_PATTERN,
    'an AWS region code such as ap-southeast-1',
  );
  const apiAuth = reader.choice('apiAuth', API_AUTH_MODES, 'iam');
  const waf = reader.boolean('waf', wafDefault(apiAuth));
  const alarmEmail = reader.matching('alarmEmail', EMAIL_PATTERN, 'an e-mail address');
  const apiGatewayCloudWatchRole = reader.boolean('apiGatewayCloudWatchRole', true);
  const outcomeEvents = reader.boolean('outcomeEvents', false);
  const outcomeBusName =
    reader.matching(
      'outcomeBusName',
      EVENT_BUS_NAME_PATTERN,
      "the name (not the ARN) of an event bus in the stack's account and region: 1 to 256 letters, digits and ._-/",
    ) ?? DEFAULT_OUTCOME_BUS;

  const tunables = {} as Record<ConsumerTunable, number>;
  const consumerTunableEnvironment: Record<string, string> = {};
  for (const [key, rule] of entriesOf(CONSUMER_TUNABLES)) {
    const value = reader.integer(key, rule);
    tunables[key] = value ?? rule.default;
    if (value !== undefined) consumerTunableEnvironment[rule.env] = String(value);
  }

  const choices = {} as { -readonly [K in keyof ConsumerChoices]: ConsumerChoices[K] };
  for (const [field, row] of entriesOf(CONSUMER_CHOICES)) {
    const value = reader.optionalString(row.context);
    choices[field] = reader.choice(row.context, row.values, row.default);
    if (value !== undefined) consumerTunableEnvironment[row.env] = choices[field];
  }

  const stackChoices = {} as { -readonly [K in keyof StackChoices]: StackChoices[K] };
  for (const [key, row] of entriesOf(STACK_CHOICES)) {
    stackChoices[key] = reader.choice(key, row.values, row.default);
  }

  const settings = {} as Record<StackSetting | IngestTunable, number>;
  for (const [key, rule] of [...entriesOf(STACK_SETTINGS), ...entriesOf(INGEST_TUNABLES)]) {
    settings[key] = reader.integer(key, rule) ?? rule.default;
  }
  checkRelations(reader, settings, tunables);

  // A key of both functions' rows (`ledgerRetentionDays`) is read twice: one problem, not two.
  if (reader.problems.length > 0) throw new ContextError([...new Set(reader.problems)]);
  return {
    stage,
    imRegion,
    imEndpoint,
    imBackupEndpoint,
    imSecretName,
    webhookSecretName,
    awsRegion,
    apiAuth,
    waf,
    alarmEmail,
    apiGatewayCloudWatchRole,
    outcomeBus: outcomeEvents ? outcomeBusName : undefined,
    settings,
    tunables,
    choices,
    stackChoices,
    consumerTunableEnvironment,
    resourcePrefix,
    stackName: `ModerationBridge-${stage}-${imRegion}`,
  };
}

/** Checks the rules that tie several settings together; fills in derived defaults. */
function checkRelations(
  reader: ContextReader,
  settings: Record<StackSetting | IngestTunable, number>,
  tunables: Record<ConsumerTunable, number>,
): void {
  const { problems } = reader;
  const attempts = Math.max(tunables.maxAttempts, tunables.ambiguousMaxAttempts);
  // Every receive counts: those of events released unattempted behind a failing one, and those of a
  // hold lasting the queue's whole retention. Below that, SQS would move events the consumer is still
  // retrying or holding, without a reason (see `receivesNeeded`).
  const needed = receivesNeeded({
    ...tunables,
    backoff: { baseSeconds: tunables.backoffBaseSeconds, maxSeconds: tunables.backoffMaxSeconds },
    batchSize: settings.batchSize,
    retentionSeconds: QUEUE_RETENTION_SECONDS,
  });
  if (settings.maxReceiveCount === 0) settings.maxReceiveCount = needed;
  if (settings.maxReceiveCount < needed) {
    problems.push(
      `maxReceiveCount (${settings.maxReceiveCount}) must be at least ${needed}: ${attempts} attempts x batchSize ${settings.batchSize}, plus the receives of a ${QUEUE_RETENTION_SECONDS / 86_400}-day hold at holdMaxSeconds ${tunables.holdMaxSeconds}, plus batchSize; otherwise SQS's own redrive would dead-letter events the consumer is still retrying or holding (raise holdMaxSeconds or lower maxAttempts to need fewer)`,
    );
  }
  if (settings.maxReceiveCount > STACK_SETTINGS.maxReceiveCount.max) {
    problems.push(
      `maxReceiveCount (${settings.maxReceiveCount}) must be at most ${STACK_SETTINGS.maxReceiveCount.max}, SQS's limit; raise holdMaxSeconds or lower maxAttempts or batchSize`,
    );
  }
  const warm = settings.ledgerWarmWritesPerSecond;
  if (warm !== 0 && warm < NEW_TABLE_WRITES_PER_SECOND) {
    problems.push(
      `ledgerWarmWritesPerSecond (${warm}) must be 0 (not pre-warmed) or at least ${NEW_TABLE_WRITES_PER_SECOND}, what a new on-demand table starts with`,
    );
  }
  const callBudgetMs = tunables.tencentTimeoutMs + tunables.timeReserveMs;
  if (settings.consumerTimeoutSeconds * 1_000 < 2 * callBudgetMs) {
    problems.push(
      `consumerTimeoutSeconds (${settings.consumerTimeoutSeconds}) must be at least twice tencentTimeoutMs + timeReserveMs (${callBudgetMs} ms)`,
    );
  }
  // The longest an event can keep retrying; events of its member wait behind it, so it must stay well
  // within the 14 days the queue keeps a message.
  const retrySeconds = attempts * tunables.backoffMaxSeconds;
  if (retrySeconds > 7 * 86_400) {
    problems.push(
      `maxAttempts x backoffMaxSeconds (${retrySeconds} s) must be at most 7 days (604800 s), half of the 14 days the queue keeps an event`,
    );
  }
  if (tunables.backoffBaseSeconds > tunables.backoffMaxSeconds) {
    problems.push(
      `backoffBaseSeconds (${tunables.backoffBaseSeconds}) must not exceed backoffMaxSeconds (${tunables.backoffMaxSeconds})`,
    );
  }
  if (settings.apiBurstLimit < settings.apiRateLimit) {
    problems.push(
      `apiBurstLimit (${settings.apiBurstLimit}) must be at least apiRateLimit (${settings.apiRateLimit})`,
    );
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(settings.logRetentionDays)) {
    problems.push(
      `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}; got ${settings.logRetentionDays}`,
    );
  }
  if (tunables.tencentCallsPerSecond > TENCENT_RATE_LIMIT) {
    problems.push(
      `tencentCallsPerSecond (${tunables.tencentCallsPerSecond}) must not exceed ${TENCENT_RATE_LIMIT}, Tencent's limit for modify_group_member_info per SDKAppID (keep headroom; split it when deployments share an app)`,
    );
  }
  if (settings.maxConcurrency > tunables.tencentCallsPerSecond) {
    problems.push(
      `maxConcurrency (${settings.maxConcurrency}) must not exceed tencentCallsPerSecond (${tunables.tencentCallsPerSecond}): each consumer invocation paces itself to tencentCallsPerSecond / maxConcurrency calls per second`,
    );
  }
}
