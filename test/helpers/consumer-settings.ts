import type { ConsumerSettings } from '#shared/consumer';

/** The consumer's settings at their documented defaults (see `ConsumerConfig`), with `overrides`. */
export function consumerSettings(overrides: Partial<ConsumerSettings> = {}): ConsumerSettings {
  return {
    maxAttempts: 10,
    ambiguousMaxAttempts: 3,
    backoff: { baseSeconds: 2, maxSeconds: 900 },
    holdMaxSeconds: 3_600,
    timeoutSettleSeconds: 10,
    groupConcurrency: 10,
    tencentTimeoutMs: 3_000,
    timeReserveMs: 1_000,
    ledgerRetentionDays: 14,
    ...overrides,
  };
}
