import {
  CHOICE_SETTINGS,
  type ChoiceValues,
  type ConsumerConfig,
  SETTINGS,
  type SettingValues,
} from '../settings/index.ts';
import type { ConsumerSettings } from './types.ts';

/** The configuration fields the consumer's settings are made of: its integer and choice settings. */
type ConsumerTunables = SettingValues<typeof SETTINGS.consumer> &
  ChoiceValues<typeof CHOICE_SETTINGS.consumer>;

/**
 * The consumer's settings from its configuration (`loadConsumerConfig`): the one place that turns the
 * settings table's values into what the runner, the step and the policy read.
 */
export function consumerSettingsOf(config: ConsumerTunables | ConsumerConfig): ConsumerSettings {
  return {
    maxAttempts: config.maxAttempts,
    ambiguousMaxAttempts: config.ambiguousMaxAttempts,
    backoff: { baseSeconds: config.backoffBaseSeconds, maxSeconds: config.backoffMaxSeconds },
    groupConcurrency: config.groupConcurrency,
    tencentTimeoutMs: config.tencentTimeoutMs,
    timeReserveMs: config.timeReserveMs,
    holdMaxSeconds: config.holdMaxSeconds,
    timeoutSettleSeconds: config.timeoutSettleSeconds,
    ledgerRetentionDays: config.ledgerRetentionDays,
    muteApi: config.muteApi,
  };
}

/** The consumer's settings at the settings table's defaults (`SETTINGS.consumer`, `CHOICE_SETTINGS.consumer`). */
export function defaultConsumerSettings(overrides: Partial<ConsumerSettings> = {}): ConsumerSettings {
  const defaults = Object.fromEntries(
    [...Object.entries(SETTINGS.consumer), ...Object.entries(CHOICE_SETTINGS.consumer)].map(
      ([field, row]) => [field, row.default],
    ),
  ) as ConsumerTunables;
  return { ...consumerSettingsOf(defaults), ...overrides };
}
