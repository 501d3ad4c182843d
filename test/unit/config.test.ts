import { loadConsumerConfig, loadIngestConfig } from '#shared/config';
import { ConfigError } from '#shared/errors';

const consumerEnv = {
  QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/q.fifo',
  DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/1/dlq.fifo',
  IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com/',
  IM_SECRET_ID: 'bridge/tencent-admin',
};

describe('loadConsumerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConsumerConfig(consumerEnv)).toEqual({
      queueUrl: consumerEnv.QUEUE_URL,
      deadLetterQueueUrl: consumerEnv.DLQ_URL,
      imEndpoint: 'https://adminapisgp.im.qcloud.com',
      secretId: 'bridge/tencent-admin',
      tencentTimeoutMs: 3000,
      maxAttempts: 10,
      ambiguousMaxAttempts: 3,
      backoffBaseSeconds: 2,
      backoffMaxSeconds: 900,
      secretMaxAgeSeconds: 300,
      userSigTtlSeconds: 86400,
      groupConcurrency: 10,
      holdMaxSeconds: 3_600,
      timeReserveMs: 1000,
      timeoutSettleSeconds: 10,
      tencentCallsPerSecond: 180,
      consumerMaxConcurrency: 2,
    });
  });

  it('reads the tunables', () => {
    expect(
      loadConsumerConfig({ ...consumerEnv, MAX_ATTEMPTS: '4', TENCENT_TIMEOUT_MS: '1500' }),
    ).toMatchObject({
      maxAttempts: 4,
      tencentTimeoutMs: 1500,
    });
  });

  it('names every missing or bad setting in one message', () => {
    // Act
    const act = () =>
      loadConsumerConfig({
        IM_ENDPOINT: 'http://adminapisgp.im.qcloud.com',
        MAX_ATTEMPTS: 'ten',
        IM_SECRET_ID: 'x',
      });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      'Invalid configuration: QUEUE_URL is required; DLQ_URL is required; IM_ENDPOINT must use https (plain http is ' +
        "allowed only to a loopback address), got 'http://adminapisgp.im.qcloud.com'; MAX_ATTEMPTS must be an " +
        "integer from 1 to 100, got 'ten'",
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
});

describe('loadIngestConfig', () => {
  it('needs the queue and defaults the body limit', () => {
    expect(loadIngestConfig({ QUEUE_URL: 'q' })).toEqual({ queueUrl: 'q', maxBodyBytes: 262144 });
    expect(() => loadIngestConfig({})).toThrow('Invalid configuration: QUEUE_URL is required');
    expect(() => loadIngestConfig({ QUEUE_URL: 'q', MAX_BODY_BYTES: '10' })).toThrow(
      "MAX_BODY_BYTES must be an integer from 1024 to 10485760, got '10'",
    );
  });
});
