import { ConfigError } from '../errors/index.ts';
import {
  CHOICE_SETTINGS,
  type ChoiceRows,
  type ChoiceSetting,
  type ChoiceValues,
  hasQueryOrFragment,
  type IntegerSetting,
  NAME_SETTINGS,
  type NameSetting,
  SETTINGS,
  type SettingRows,
  type SettingValues,
  URL_SETTINGS,
  type UrlSetting,
} from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads settings from an environment and collects every problem, so that one cold-start failure
 * names all the bad settings at once instead of one per deploy.
 */
class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string): string {
    const value = this.env[name]?.trim();
    if (!value) {
      this.problems.push(`${name} is required`);
      return '';
    }
    return value;
  }

  /** An integer setting: its variable's value within the row's range, or the row's default when unset. */
  integer(setting: IntegerSetting): number {
    const { env: name, min, max } = setting;
    const raw = this.env[name]?.trim();
    if (raw === undefined || raw === '') return setting.default;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return setting.default;
    }
    return value;
  }

  /** Every row of a function's table, by field name. */
  integers<T extends SettingRows>(rows: T): SettingValues<T> {
    const values: Record<string, number> = {};
    for (const [field, setting] of Object.entries(rows)) values[field] = this.integer(setting);
    return values as SettingValues<T>;
  }

  /** A name setting: its variable's value when set (it must match the row's pattern), else `undefined`. */
  optionalName(setting: NameSetting): string | undefined {
    const value = this.env[setting.env]?.trim();
    if (value === undefined || value === '') return undefined;
    if (!setting.pattern.test(value)) {
      this.problems.push(`${setting.env} must be ${setting.rule}, got '${value}'`);
      return undefined;
    }
    return value;
  }

  /** A choice setting: one of the row's values, or the row's default when unset. */
  choice<T extends string>(setting: ChoiceSetting<T>): T {
    const raw = this.env[setting.env]?.trim();
    if (raw === undefined || raw === '') return setting.default;
    const value = setting.values.find((candidate) => candidate === raw);
    if (value === undefined) {
      this.problems.push(`${setting.env} must be one of ${setting.values.join(', ')}, got '${raw}'`);
      return setting.default;
    }
    return value;
  }

  /** Every choice row of a function's table, by field name. */
  choices<T extends ChoiceRows>(rows: T): ChoiceValues<T> {
    const values: Record<string, string> = {};
    for (const [field, setting] of Object.entries(rows)) values[field] = this.choice(setting);
    return values as ChoiceValues<T>;
  }

  /** A base URL: https, or http to a loopback address (local runs and tests only). */
  baseUrl(name: string): string {
    const raw = this.string(name);
    return raw ? this.checkBaseUrl(name, raw) : raw;
  }

  /** An optional base URL (same rules as {@link baseUrl}): `undefined` when unset, empty or the row's `off` value. */
  optionalBaseUrl(setting: UrlSetting): string | undefined {
    const raw = this.env[setting.env]?.trim();
    if (raw === undefined || raw === '' || raw === setting.off) return undefined;
    return this.checkBaseUrl(setting.env, raw);
  }

  private checkBaseUrl(name: string, raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.problems.push(`${name} must be an absolute URL, got '${raw}'`);
      return raw;
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      this.problems.push(
        `${name} must use https (plain http is allowed only to a loopback address), got '${raw}'`,
      );
    }
    if (url.username || url.password) {
      this.problems.push(`${name} must not hold a user name or password`);
    }
    if (url.pathname !== '/' && url.pathname !== '') {
      this.problems.push(`${name} must be a base URL without a path (the API path is added), got '${raw}'`);
    }
    if (url.search || url.hash || hasQueryOrFragment(raw)) {
      this.problems.push(
        `${name} must be a base URL without query or fragment (no '?' or '#'), got '${raw}'`,
      );
    }
    return raw.replace(/\/+$/, '');
  }

  /** Records a problem found by a rule that ties several settings together. */
  problem(text: string): void {
    this.problems.push(text);
  }

  /** Throws one {@link ConfigError} naming every problem found so far. */
  done(): void {
    if (this.problems.length > 0) {
      throw new ConfigError(`Invalid configuration: ${this.problems.join('; ')}`);
    }
  }
}

/**
 * Settings of the ingest function. The integers are the rows of `SETTINGS.ingest` (`settings.ts`),
 * which give each one's variable, default, range and meaning.
 */
export interface IngestConfig extends SettingValues<typeof SETTINGS.ingest> {
  /** URL of the SQS FIFO queue events are sent to (`QUEUE_URL`). */
  queueUrl: string;
  /** Name of the DynamoDB table of the event ledger (`LEDGER_TABLE`). */
  ledgerTable: string;
  /**
   * The secret of the webhook signing secrets (`WEBHOOK_SECRET_NAME`, see `NAME_SETTINGS.ingest`);
   * `undefined`: no signature is checked.
   */
  webhookSecretName: string | undefined;
}

/** Reads and validates the ingest function's settings; throws {@link ConfigError} naming each bad one. */
export function loadIngestConfig(env: Env = process.env): IngestConfig {
  const reader = new EnvReader(env);
  const config: IngestConfig = {
    queueUrl: reader.string('QUEUE_URL'),
    ledgerTable: reader.string('LEDGER_TABLE'),
    webhookSecretName: reader.optionalName(NAME_SETTINGS.ingest.webhookSecretName),
    ...reader.integers(SETTINGS.ingest),
  };
  reader.done();
  return config;
}

/**
 * Settings of the consumer function. The integers (`maxAttempts`, `tencentTimeoutMs`, ...) are the rows
 * of `SETTINGS.consumer` (`settings.ts`), which give each one's variable, default, range and meaning;
 * the choices (`muteApi`) are the rows of `CHOICE_SETTINGS.consumer`.
 */
export interface ConsumerConfig
  extends SettingValues<typeof SETTINGS.consumer>,
    ChoiceValues<typeof CHOICE_SETTINGS.consumer> {
  /** URL of the main queue, for visibility changes (`QUEUE_URL`). */
  queueUrl: string;
  /** URL of the dead-letter queue (`DLQ_URL`). */
  deadLetterQueueUrl: string;
  /** Base URL of the Tencent REST API for the app's region (`IM_ENDPOINT`), without trailing slash. */
  imEndpoint: string;
  /** {@link URL_SETTINGS}`.consumer.imBackupEndpoint`: the region's backup domain, or `undefined` for no failover. */
  imBackupEndpoint: string | undefined;
  /** Name or ARN of the Secrets Manager secret holding the admin credentials (`IM_SECRET_ID`). */
  secretId: string;
  /** Name of the DynamoDB table of the event ledger (`LEDGER_TABLE`). */
  ledgerTable: string;
  /** EventBridge bus for outcome events (`OUTCOME_BUS`); none: no outcome events. */
  outcomeBus: string | undefined;
}

/** Settings of the status function (`GET /v1/events/{eventId}`). */
export interface StatusConfig {
  /** Name of the DynamoDB table of the event ledger (`LEDGER_TABLE`). */
  ledgerTable: string;
}

/** Reads and validates the status function's settings; throws {@link ConfigError} naming each bad one. */
export function loadStatusConfig(env: Env = process.env): StatusConfig {
  const reader = new EnvReader(env);
  const config: StatusConfig = { ledgerTable: reader.string('LEDGER_TABLE') };
  reader.done();
  return config;
}

/** Reads and validates the consumer function's settings; throws {@link ConfigError} naming each bad one. */
export function loadConsumerConfig(env: Env = process.env): ConsumerConfig {
  const reader = new EnvReader(env);
  const config: ConsumerConfig = {
    queueUrl: reader.string('QUEUE_URL'),
    deadLetterQueueUrl: reader.string('DLQ_URL'),
    imEndpoint: reader.baseUrl('IM_ENDPOINT'),
    imBackupEndpoint: reader.optionalBaseUrl(URL_SETTINGS.consumer.imBackupEndpoint),
    secretId: reader.string('IM_SECRET_ID'),
    ledgerTable: reader.string('LEDGER_TABLE'),
    outcomeBus: env.OUTCOME_BUS?.trim() || undefined,
    ...reader.integers(SETTINGS.consumer),
    ...reader.choices(CHOICE_SETTINGS.consumer),
  };
  if (config.imBackupEndpoint !== undefined && config.imBackupEndpoint === config.imEndpoint) {
    reader.problem(
      `${URL_SETTINGS.consumer.imBackupEndpoint.env} must differ from IM_ENDPOINT (or be '${URL_SETTINGS.consumer.imBackupEndpoint.off}' for no failover)`,
    );
  }
  reader.done();
  return config;
}
