import { ConfigError } from '#shared/errors';
import {
  CHOICE_SETTINGS,
  type ChoiceSetting,
  type IntegerSetting,
  loadConsumerConfig,
  loadIngestConfig,
  NAME_SETTINGS,
  SETTINGS,
  URL_SETTINGS,
} from '#shared/settings';
import { readDoc } from '../helpers/docs';

const consumerEnv = {
  QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/q.fifo',
  DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/1/dlq.fifo',
  IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com/',
  IM_SECRET_ID: 'bridge/tencent-admin',
  LEDGER_TABLE: 'bridge-ledger',
};
const ingestEnv = {
  QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/q.fifo',
  LEDGER_TABLE: 'bridge-ledger',
};

/** Every row of a function's table, as `[field, row]`, for `it.each`. */
const rowsOf = (rows: Readonly<Record<string, IntegerSetting>>): [string, IntegerSetting][] =>
  Object.entries(rows);

/** Every choice row of a function's table, as `[field, row]`, for `it.each`. */
const choicesOf = (rows: Readonly<Record<string, ChoiceSetting>>): [string, ChoiceSetting][] =>
  Object.entries(rows);

/** The problems a loader rejected an environment with, or none. */
const problemsOf = (load: () => unknown): string => {
  try {
    load();
    return '';
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
};

describe('loadConsumerConfig', () => {
  it("applies each row's default to an unset variable", () => {
    // Act
    const config = loadConsumerConfig(consumerEnv);

    // Assess
    expect(config).toEqual({
      queueUrl: consumerEnv.QUEUE_URL,
      deadLetterQueueUrl: consumerEnv.DLQ_URL,
      imEndpoint: 'https://adminapisgp.im.qcloud.com',
      secretId: 'bridge/tencent-admin',
      ledgerTable: 'bridge-ledger',
      outcomeBus: undefined,
      ...Object.fromEntries(rowsOf(SETTINGS.consumer).map(([field, row]) => [field, row.default])),
      ...Object.fromEntries(choicesOf(CHOICE_SETTINGS.consumer).map(([field, row]) => [field, row.default])),
    });
    expect(config.muteApi).toBe('modify_group_member_info');
    expect(config).toMatchObject({ tencentTimeoutMs: 3000, maxAttempts: 10, consumerMaxConcurrency: 2 });
  });

  it('reads the tunables', () => {
    expect(
      loadConsumerConfig({ ...consumerEnv, MAX_ATTEMPTS: '4', TENCENT_TIMEOUT_MS: '1500' }),
    ).toMatchObject({
      maxAttempts: 4,
      tencentTimeoutMs: 1500,
    });
  });

  it.each(rowsOf(SETTINGS.consumer))(
    'reads %s from its variable, at both ends of its range',
    (field, row) => {
      // Act
      const atMin = loadConsumerConfig({ ...consumerEnv, [row.env]: String(row.min) });
      const atMax = loadConsumerConfig({ ...consumerEnv, [row.env]: ` ${row.max} ` });

      // Assess
      expect([atMin[field as keyof typeof atMin], atMax[field as keyof typeof atMax]]).toEqual([
        row.min,
        row.max,
      ]);
    },
  );

  it.each(rowsOf(SETTINGS.consumer))(
    'refuses %s outside its range, naming the variable and the range',
    (_, row) => {
      // Act
      const below = problemsOf(() => loadConsumerConfig({ ...consumerEnv, [row.env]: String(row.min - 1) }));
      const above = problemsOf(() => loadConsumerConfig({ ...consumerEnv, [row.env]: String(row.max + 1) }));

      // Assess
      expect(below).toBe(
        `Invalid configuration: ${row.env} must be an integer from ${row.min} to ${row.max}, got '${row.min - 1}'`,
      );
      expect(above).toBe(
        `Invalid configuration: ${row.env} must be an integer from ${row.min} to ${row.max}, got '${row.max + 1}'`,
      );
    },
  );

  it.each(
    choicesOf(CHOICE_SETTINGS.consumer).flatMap(([field, row]) =>
      row.values.map((value) => [field, row.env, value] as const),
    ),
  )('reads %s from %s=%s', (field, env, value) => {
    // Act
    const config = loadConsumerConfig({ ...consumerEnv, [env]: ` ${value} ` });

    // Assess
    expect(config[field as keyof typeof config]).toBe(value);
  });

  it.each(['forbid', 'FORBID_SEND_MSG', 'modify_group_member_info,forbid_send_msg'])(
    'refuses MUTE_API=%s, naming the valid values',
    (raw) => {
      expect(problemsOf(() => loadConsumerConfig({ ...consumerEnv, MUTE_API: raw }))).toBe(
        `Invalid configuration: MUTE_API must be one of modify_group_member_info, forbid_send_msg, got '${raw}'`,
      );
    },
  );

  it.each(['1.5', '1e3', '0x10', 'ten', '9007199254740993'])(
    'refuses MAX_ATTEMPTS=%s, not a plain integer',
    (raw) => {
      expect(problemsOf(() => loadConsumerConfig({ ...consumerEnv, MAX_ATTEMPTS: raw }))).toBe(
        `Invalid configuration: MAX_ATTEMPTS must be an integer from 1 to 100, got '${raw}'`,
      );
    },
  );

  it('names every missing or bad setting in one message', () => {
    // Act
    const act = () =>
      loadConsumerConfig({
        IM_ENDPOINT: 'http://adminapisgp.im.qcloud.com',
        MAX_ATTEMPTS: 'ten',
        HOLD_MAX_SECONDS: '0',
        IM_SECRET_ID: 'x',
        LEDGER_TABLE: 'bridge-ledger',
      });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      'Invalid configuration: QUEUE_URL is required; DLQ_URL is required; IM_ENDPOINT must use https (plain http is ' +
        "allowed only to a loopback address), got 'http://adminapisgp.im.qcloud.com'; MAX_ATTEMPTS must be an " +
        "integer from 1 to 100, got 'ten'; HOLD_MAX_SECONDS must be an integer from 1 to 43200, got '0'",
    );
  });

  it('allows plain http to a loopback address, for local runs', () => {
    expect(loadConsumerConfig({ ...consumerEnv, IM_ENDPOINT: 'http://127.0.0.1:8090' }).imEndpoint).toBe(
      'http://127.0.0.1:8090',
    );
  });

  it.each([
    'not a url',
    'https://x.test/?usersig=1',
    'https://user:pw@adminapisgp.im.qcloud.com',
    'https://x.test/v4',
  ])('rejects IM_ENDPOINT %s', (value) => {
    expect(() => loadConsumerConfig({ ...consumerEnv, IM_ENDPOINT: value })).toThrow(/IM_ENDPOINT must/);
  });

  it.each([
    'https://adminapisgp.im.qcloud.com?',
    'https://adminapisgp.im.qcloud.com/#',
    'http://127.0.0.1:8090?',
  ])('rejects IM_ENDPOINT %s, ending in a bare ? or #, naming the setting', (value) => {
    expect(() => loadConsumerConfig({ ...consumerEnv, IM_ENDPOINT: value })).toThrow(
      `IM_ENDPOINT must be a base URL without query or fragment (no '?' or '#'), got '${value}'`,
    );
  });
});

describe('loadConsumerConfig: IM_BACKUP_ENDPOINT', () => {
  const { env } = URL_SETTINGS.consumer.imBackupEndpoint;

  it.each([
    ['unset', {}],
    ['empty', { [env]: ' ' }],
    ["'none'", { [env]: 'none' }],
  ])('means no failover when %s', (_case, extra) => {
    expect(loadConsumerConfig({ ...consumerEnv, ...extra }).imBackupEndpoint).toBeUndefined();
  });

  it.each([
    ['https://adminapisgp.my-imcloud.com/', 'https://adminapisgp.my-imcloud.com'],
    ['http://127.0.0.1:8091', 'http://127.0.0.1:8091'],
  ])('reads %s as a base URL without trailing slash', (value, expected) => {
    expect(loadConsumerConfig({ ...consumerEnv, [env]: value }).imBackupEndpoint).toBe(expected);
  });

  it.each([
    'not a url',
    'http://adminapisgp.my-imcloud.com',
    'https://x.test/?usersig=1',
    'https://adminapisgp.my-imcloud.com?',
    'https://adminapisgp.my-imcloud.com#',
    'https://user:pw@adminapisgp.my-imcloud.com',
    'https://x.test/v4',
  ])('refuses %s with the rule IM_ENDPOINT is checked by', (value) => {
    // Act
    const backup = problemsOf(() => loadConsumerConfig({ ...consumerEnv, [env]: value }));
    const main = problemsOf(() => loadConsumerConfig({ ...consumerEnv, IM_ENDPOINT: value }));

    // Assess: the same rule, naming its own variable.
    expect(backup).not.toBe('');
    expect(backup).toBe(main.replaceAll('IM_ENDPOINT', env));
  });

  it('refuses the main endpoint itself', () => {
    expect(
      problemsOf(() => loadConsumerConfig({ ...consumerEnv, [env]: 'https://adminapisgp.im.qcloud.com' })),
    ).toBe(
      "Invalid configuration: IM_BACKUP_ENDPOINT must differ from IM_ENDPOINT (or be 'none' for no failover)",
    );
  });
});

describe('loadIngestConfig', () => {
  it('needs the queue and defaults the body limit', () => {
    expect(loadIngestConfig(ingestEnv)).toEqual({
      queueUrl: ingestEnv.QUEUE_URL,
      ledgerTable: 'bridge-ledger',
      maxBodyBytes: 1048576,
      ledgerRetentionDays: 14,
      secretMaxAgeSeconds: 300,
      webhookSecretName: undefined,
    });
    expect(() => loadIngestConfig({})).toThrow(
      'Invalid configuration: QUEUE_URL is required; LEDGER_TABLE is required',
    );
  });

  it('reads MAX_BODY_BYTES and refuses one below 1 KiB, naming the variable and the range', () => {
    expect(loadIngestConfig({ ...ingestEnv, MAX_BODY_BYTES: '65536' }).maxBodyBytes).toBe(65_536);
    expect(() => loadIngestConfig({ ...ingestEnv, MAX_BODY_BYTES: '10' })).toThrow(
      "MAX_BODY_BYTES must be an integer from 1024 to 10485760, got '10'",
    );
  });

  it.each(rowsOf(SETTINGS.ingest))(
    'reads %s from its variable, and refuses it outside its range',
    (field, row) => {
      // Act
      const atMax = loadIngestConfig({ ...ingestEnv, [row.env]: String(row.max) });
      const above = problemsOf(() => loadIngestConfig({ ...ingestEnv, [row.env]: String(row.max + 1) }));

      // Assess
      expect(atMax[field as keyof typeof atMax]).toBe(row.max);
      expect(above).toContain(`${row.env} must be an integer from ${row.min} to ${row.max}`);
    },
  );
});

describe('loadIngestConfig: webhook mode', () => {
  it('reads WEBHOOK_SECRET_NAME, which turns the signature check on', () => {
    expect(
      loadIngestConfig({ ...ingestEnv, WEBHOOK_SECRET_NAME: ' moderation-bridge/dev/singapore/webhook ' }),
    ).toMatchObject({
      webhookSecretName: 'moderation-bridge/dev/singapore/webhook',
      secretMaxAgeSeconds: 300,
    });
    expect(loadIngestConfig({ ...ingestEnv, WEBHOOK_SECRET_NAME: '' }).webhookSecretName).toBeUndefined();
  });

  it.each(['has space', 'arn:aws:secretsmanager:eu-central-1:1:secret:x', 'x'.repeat(401)])(
    'refuses WEBHOOK_SECRET_NAME %p, naming the variable and the rule',
    (value) => {
      expect(problemsOf(() => loadIngestConfig({ ...ingestEnv, WEBHOOK_SECRET_NAME: value }))).toBe(
        `Invalid configuration: WEBHOOK_SECRET_NAME must be a Secrets Manager secret name (letters, digits and /_+=.@-), got '${value}'`,
      );
    },
  );
});

describe('the Settings table of docs/settings.md', () => {
  const section = readDoc('docs/settings.md');
  const rows = [
    ...rowsOf(SETTINGS.ingest).map(([, row]) => [row.env, 'ingest', row] as const),
    ...rowsOf(SETTINGS.consumer).map(([, row]) => [row.env, 'consumer', row] as const),
  ];

  it.each(Object.values(URL_SETTINGS.consumer))(
    'lists $env (consumer) in Settings with its context key',
    (row) => {
      expect(section).toContain(`\n| \`${row.env}\` | consumer | \`${row.context}\` |`);
    },
  );

  it.each(Object.values(NAME_SETTINGS.ingest))(
    'lists $env (ingest) in Settings with its context key',
    (row) => {
      expect(section).toContain(`\n| \`${row.env}\` | ingest | \`${row.context}\` | `);
    },
  );

  it.each(rows)('lists %s (%s) in Settings with its context key, default and range', (env, fn, row) => {
    // Prepare
    const context = row.context === null ? '—' : `\`${row.context}\``;

    // Assess
    expect(section).toContain(
      `\n| \`${env}\` | ${fn} | ${context} | ${row.default} | ${row.min}-${row.max} |`,
    );
  });

  it.each(choicesOf(CHOICE_SETTINGS.consumer).map(([, row]) => [row.env, row] as const))(
    'lists %s (consumer) in Settings with its context key, default and values',
    (env, row) => {
      // Prepare
      const values = row.values.map((value) => `\`${value}\``).join(', ');

      // Assess
      expect(section).toContain(
        `\n| \`${env}\` | consumer | \`${row.context}\` | \`${row.default}\` | ${values} |`,
      );
    },
  );
});
