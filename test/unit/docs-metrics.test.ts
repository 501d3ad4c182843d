import { BRIDGE_METRICS } from '#shared/metrics';
import { readDoc, sectionOf } from '../helpers/docs';

/** Every metric the functions emit is named in "Logs and metrics" of docs/operating.md. */

const section = sectionOf(readDoc('docs/operating.md'), '## Logs and metrics');

it.each([
  ...Object.values(BRIDGE_METRICS.ingest).map((name) => [name, 'ingest'] as const),
  ...Object.values(BRIDGE_METRICS.consumer).map((name) => [name, 'consumer'] as const),
])('names %s (%s)', (name) => {
  expect(section).toContain(`\`${name}\``);
});
