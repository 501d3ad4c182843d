import { ConfigError } from './errors.ts';

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

  integer(name: string, defaultValue: number, min: number, max: number): number {
    const raw = this.env[name]?.trim();
    if (raw === undefined || raw === '') return defaultValue;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return defaultValue;
    }
    return value;
  }

  /** A base URL: https, or http to a loopback address (local runs and tests only). */
  baseUrl(name: string): string {
    const raw = this.string(name);
    if (!raw) return raw;
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
    if (url.search || url.hash) {
      this.problems.push(`${name} must be a base URL without query or fragment, got '${raw}'`);
    }
    return raw.replace(/\/+$/, '');
  }

  /** Throws one {@link ConfigError} naming every problem found so far. */
  done(): void {
    if (this.problems.length > 0) {
      throw new ConfigError(`Invalid configuration: ${this.problems.join('; ')}`);
    }
  }
}

/** Settings of the ingest function. */
export interface IngestConfig {
  /** URL of the SQS FIFO queue events are sent to (`QUEUE_URL`). */
  queueUrl: string;
  /** Largest request body accepted, in bytes (`MAX_BODY_BYTES`, default 262144). */
  maxBodyBytes: number;
}

/** Reads and validates the ingest function's settings; throws {@link ConfigError} naming each bad one. */
export function loadIngestConfig(env: Env = process.env): IngestConfig {
  const reader = new EnvReader(env);
  const config: IngestConfig = {
    queueUrl: reader.string('QUEUE_URL'),
    maxBodyBytes: reader.integer('MAX_BODY_BYTES', 262_144, 1_024, 10_485_760),
  };
  reader.done();
  return config;
}

/** Settings of the consumer function. */
export interface ConsumerConfig {
  /** URL of the main queue, for visibility changes (`QUEUE_URL`). */
  queueUrl: string;
  /** URL of the dead-letter queue (`DLQ_URL`). */
  deadLetterQueueUrl: string;
  /** Base URL of the Tencent REST API for the app's region (`IM_ENDPOINT`), without trailing slash. */
  imEndpoint: string;
  /** Name or ARN of the Secrets Manager secret holding the admin credentials (`IM_SECRET_ID`). */
  secretId: string;
  /** Timeout of one Tencent call, in milliseconds (`TENCENT_TIMEOUT_MS`, default 3000). */
  tencentTimeoutMs: number;
  /** Attempts before a transient failure is dead-lettered (`MAX_ATTEMPTS`, default 10). */
  maxAttempts: number;
  /** Attempts for ambiguous account-check codes 60004/60005 (`AMBIGUOUS_MAX_ATTEMPTS`, default 3). */
  ambiguousMaxAttempts: number;
  /** First retry delay, in seconds; doubles per attempt (`BACKOFF_BASE_SECONDS`, default 2). */
  backoffBaseSeconds: number;
  /** Longest retry delay, in seconds (`BACKOFF_MAX_SECONDS`, default 900). */
  backoffMaxSeconds: number;
  /** How long the secret is cached, in seconds (`SECRET_MAX_AGE_SECONDS`, default 300). */
  secretMaxAgeSeconds: number;
  /** Validity of the UserSigs the consumer makes, in seconds (`USERSIG_TTL_SECONDS`, default 86400). */
  userSigTtlSeconds: number;
  /** Message groups processed at once in one invocation (`GROUP_CONCURRENCY`, default 10). */
  groupConcurrency: number;
  /** No call starts when the invocation has less than the Tencent timeout plus this left (`TIME_RESERVE_MS`, default 1000). */
  timeReserveMs: number;
  /** Tencent calls per second for the whole deployment (`TENCENT_CALLS_PER_SECOND`, default 180; Tencent allows 200). */
  tencentCallsPerSecond: number;
  /** The event source's maximum concurrency: containers sharing the rate (`CONSUMER_MAX_CONCURRENCY`, default 2). */
  consumerMaxConcurrency: number;
}

/** Reads and validates the consumer function's settings; throws {@link ConfigError} naming each bad one. */
export function loadConsumerConfig(env: Env = process.env): ConsumerConfig {
  const reader = new EnvReader(env);
  const config: ConsumerConfig = {
    queueUrl: reader.string('QUEUE_URL'),
    deadLetterQueueUrl: reader.string('DLQ_URL'),
    imEndpoint: reader.baseUrl('IM_ENDPOINT'),
    secretId: reader.string('IM_SECRET_ID'),
    tencentTimeoutMs: reader.integer('TENCENT_TIMEOUT_MS', 3_000, 100, 60_000),
    maxAttempts: reader.integer('MAX_ATTEMPTS', 10, 1, 100),
    ambiguousMaxAttempts: reader.integer('AMBIGUOUS_MAX_ATTEMPTS', 3, 1, 100),
    backoffBaseSeconds: reader.integer('BACKOFF_BASE_SECONDS', 2, 1, 900),
    backoffMaxSeconds: reader.integer('BACKOFF_MAX_SECONDS', 900, 1, 43_200),
    secretMaxAgeSeconds: reader.integer('SECRET_MAX_AGE_SECONDS', 300, 0, 86_400),
    userSigTtlSeconds: reader.integer('USERSIG_TTL_SECONDS', 86_400, 3_600, 315_360_000),
    groupConcurrency: reader.integer('GROUP_CONCURRENCY', 10, 1, 100),
    timeReserveMs: reader.integer('TIME_RESERVE_MS', 1_000, 0, 60_000),
    tencentCallsPerSecond: reader.integer('TENCENT_CALLS_PER_SECOND', 180, 1, 100_000),
    consumerMaxConcurrency: reader.integer('CONSUMER_MAX_CONCURRENCY', 2, 1, 1_000),
  };
  reader.done();
  return config;
}
