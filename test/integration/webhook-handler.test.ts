/**
 * The ingest handler in webhook mode (`WEBHOOK_SECRET_NAME` set), as Lambda runs it: the signing
 * secrets come from a Secrets Manager on 127.0.0.1 through the real SDK client, the ledger is dynalite,
 * SQS is mocked. What a refused request answers and logs, and never logs.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type LocalSecretsServer, startLocalSecrets } from '../../local/secrets/index';
import { buildOpenApiDocument } from '../../tools/openapi';
import { apiEvent, lambdaContext } from '../helpers/factories';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';
import { documentValidator } from '../helpers/openapi';
import { signedHeaders, signingSecret, webhookSecretJson } from '../helpers/webhooks';

const sqs = mockClient(SQSClient);
const SECRET_NAME = 'bridge/webhook';
const SECRET = signingSecret();
/** A value that appears in the bodies only: no log line may hold it. */
const BODY_MARKER = 'reason-seen-only-in-the-body';

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let secrets: LocalSecretsServer;
let ledgerTable: LedgerTable;
const logLines: string[] = [];
const outputSpies: jest.SpyInstance[] = [];

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  for (const stream of [process.stdout, process.stderr]) {
    outputSpies.push(
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logLines.push(String(chunk));
        return true;
      }),
    );
  }
  secrets = await startLocalSecrets({ secrets: { [SECRET_NAME]: webhookSecretJson(SECRET) } });
  ledgerTable = await startLedgerTable();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: ledgerTable.endpoint,
    WEBHOOK_SECRET_NAME: SECRET_NAME,
    // No cache: each request reads the secret, so that a test can change it.
    SECRET_MAX_AGE_SECONDS: '0',
  });
  ({ handler } = await import('../../functions/ingest'));
});

afterAll(async () => {
  for (const spy of outputSpies) spy.mockRestore();
  await Promise.all([secrets.close(), ledgerTable.close()]);
});

beforeEach(async () => {
  await ledgerTable.reset();
  secrets.setSecret(SECRET_NAME, webhookSecretJson(SECRET));
  logLines.length = 0;
  sqs.reset();
  sqs.on(SendMessageBatchCommand).callsFake(async () => ({ Successful: [], Failed: [] }));
});

const body = JSON.stringify({
  groupId: '@TGS#2CLUZEAEJ',
  account: 'bob',
  action: 'mute',
  durationSeconds: 600,
  reason: BODY_MARKER,
});

const post = (headers: Record<string, string>, text = body) =>
  handler(
    apiEvent({ headers: { 'Content-Type': 'application/json', ...headers }, body: text }),
    lambdaContext(),
  );

/** The captured log lines, parsed. */
const logged = (): Record<string, unknown>[] =>
  logLines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

describe('ingest handler in webhook mode', () => {
  it('accepts a signed delivery under its webhook-id, and answers its redelivery as a duplicate', async () => {
    // Prepare
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

    // Act
    const first = await post({ ...signedHeaders(SECRET, body, { id }) });
    const again = await post({ ...signedHeaders(SECRET, body, { id }) });

    // Assess
    expect([first.statusCode, JSON.parse(first.body)]).toEqual([202, { accepted: [{ eventId: id }] }]);
    expect([again.statusCode, JSON.parse(again.body)]).toEqual([
      202,
      { accepted: [{ eventId: id, duplicate: true }] },
    ]);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    expect(logged().find((line) => line.message === 'event accepted')).toMatchObject({
      eventId: id,
      webhookId: id,
    });
  });

  it('answers a forged signature with a 401 that, like the log, names the check but holds no signature, secret or body', async () => {
    // Prepare
    const forger = signingSecret();
    const headers = signedHeaders(forger, body, { id: 'msg_forged' });
    const expected = signedHeaders(SECRET, body, { id: 'msg_forged' });

    // Act
    const response = await post({ ...headers });

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({
      message:
        'webhook-signature does not match: no v1 signature of "{webhook-id}.{webhook-timestamp}.{body}" made with a current signing secret',
    });
    expect(logged().find((line) => line.message === 'request rejected')).toMatchObject({
      statusCode: 401,
      webhookId: 'msg_forged',
      reason: expect.stringContaining('webhook-signature does not match'),
    });
    const everything = `${response.body}\n${logLines.join('')}`;
    for (const value of [
      headers['webhook-signature'].slice(3),
      expected['webhook-signature'].slice(3),
      SECRET.slice(6),
      forger.slice(6),
      BODY_MARKER,
    ]) {
      expect(everything).not.toContain(value);
    }
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect((await ledgerTable.store.getMany(['msg_forged'])).size).toBe(0);
  });

  it('answers a request without the signature headers with a 401 naming them', async () => {
    // Act
    const response = await post({});

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).message).toMatch(
      /^missing webhook headers webhook-id, webhook-timestamp, webhook-signature: /,
    );
  });

  it('answers each failed check with a 401 body that is one of the OpenAPI document’s examples, and conforms to its schema', async () => {
    // Prepare: one request per check the verifier makes, as the table of docs/deploying.md lists them.
    const now = new Date();
    const signedAt = (at: Date) => ({ ...signedHeaders(SECRET, body, { at }) });
    const { 'webhook-signature': _dropped, ...unsigned } = signedHeaders(SECRET, body);
    const validator = documentValidator(buildOpenApiDocument({ auth: 'webhook' }));

    // Act
    const answers = await Promise.all([
      post(unsigned),
      post({ ...signedAt(now), 'webhook-timestamp': '1.5' }),
      post(signedAt(new Date(now.getTime() - 6 * 60_000))),
      post(signedAt(new Date(now.getTime() + 6 * 60_000))),
      post({ ...signedHeaders(signingSecret(), body) }),
    ]);

    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([401, 401, 401, 401, 401]);
    const bodies = answers.map((answer) => JSON.parse(answer.body) as unknown);
    for (const answer of bodies) {
      expect(validator.response('/v1/events', 'post', 401, answer).errors).toEqual([]);
    }
    expect(bodies).toEqual(validator.examples('/v1/events', 'post', 401));
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('takes a rotated secret at once: old and new both verify while both are listed', async () => {
    // Prepare
    const next = signingSecret();
    secrets.setSecret(SECRET_NAME, webhookSecretJson(SECRET, next));

    // Act
    const byOld = await post({ ...signedHeaders(SECRET, body, { id: 'msg_old' }) });
    const byNew = await post({ ...signedHeaders(next, body, { id: 'msg_new' }) });
    secrets.setSecret(SECRET_NAME, webhookSecretJson(next));
    const byRemoved = await post({ ...signedHeaders(SECRET, body, { id: 'msg_removed' }) });

    // Assess
    expect([byOld.statusCode, byNew.statusCode, byRemoved.statusCode]).toEqual([202, 202, 401]);
  });

  it('answers 503 without internals when the secret is malformed, and logs which rule it breaks but no value', async () => {
    // Prepare
    secrets.setSecret(SECRET_NAME, JSON.stringify({ signingSecrets: [SECRET.slice(6)] }));

    // Act
    const response = await post({ ...signedHeaders(SECRET, body, { id: 'msg_503' }) });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      message: 'the signing secrets could not be read; nothing was enqueued: resend the same request later',
      requestId: 'aws-req-1',
    });
    expect(
      logged().find((line) => line.message === 'webhook signing secrets unavailable; nothing enqueued'),
    ).toMatchObject({
      level: 'ERROR',
      error: `secret '${SECRET_NAME}' is malformed: signingSecrets[0] must be "whsec_" followed by base64`,
      webhookId: 'msg_503',
    });
    expect(logLines.join('')).not.toContain(SECRET.slice(6));
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });
});
