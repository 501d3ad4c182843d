import { type ConsumerSettings, defaultConsumerSettings } from '#shared/consumer';

/**
 * The consumer's settings at the settings table's defaults, with `overrides`, and without `muteApi`
 * unless an override gives it (the tests that need `forbid_send_msg` say so).
 */
export function consumerSettings(overrides: Partial<ConsumerSettings> = {}): ConsumerSettings {
  const { muteApi: _muteApi, ...defaults } = defaultConsumerSettings();
  return { ...defaults, ...overrides };
}
