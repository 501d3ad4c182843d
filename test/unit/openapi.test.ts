import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MAX_EVENTS_PER_REQUEST, validateEvents } from '#shared/contract';
import { API_AUTH_MODES, errorResponse } from '#shared/http';
import { COMMITTED_DOCUMENT, serialize } from '../../ops/openapi';
import { buildOpenApiDocument, REQUEST_EXAMPLES } from '../../tools/openapi';
import { CORPUS_RECEIVED_AT, INVALID_EVENTS, VALID_EVENTS } from '../helpers/contract-corpus';
import { codeBlocksOf, docsPages, readDoc, sectionOf } from '../helpers/docs';
import { eventBody, GOOD_EVENT_FIELDS } from '../helpers/factories';
import { documentValidator } from '../helpers/openapi';

const ROOT = join(__dirname, '..', '..');
const EVENTS = '/v1/events';
const STATUS = '/v1/events/{eventId}';
const validator = documentValidator();
const request = (value: unknown) => validator.request(EVENTS, 'post', value);

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node => (value !== null && typeof value === 'object' ? (value as Node) : {});

/** Every `[path, method, status, media type object]` of a document's responses. */
function responsesOf(document: Node): [string, string, string, Node][] {
  return Object.entries(asNode(document.paths)).flatMap(([path, item]) =>
    Object.entries(asNode(item)).flatMap(([method, operation]) =>
      Object.entries(asNode(asNode(operation).responses)).map(
        ([status, answer]): [string, string, string, Node] => [
          path,
          method,
          status,
          asNode(asNode(asNode(answer).content)['application/json']),
        ],
      ),
    ),
  );
}

/** The `security` of each operation. */
const securityOf = (document: Node) => ({
  post: asNode(asNode(asNode(document.paths)[EVENTS]).post).security,
  get: asNode(asNode(asNode(document.paths)[STATUS]).get).security,
});

/** The values of a media type object's `examples`, by name. */
const examplesOf = (media: Node): [string, unknown][] =>
  Object.entries(asNode(media.examples)).map(([name, example]) => [name, asNode(example).value]);

describe('the committed openapi.json', () => {
  it('is the document the code generates (run `npm run openapi` after changing the contract or an answer)', () => {
    // Act
    const committed = readFileSync(COMMITTED_DOCUMENT, 'utf8');

    // Assess
    expect(committed).toBe(serialize());
  });
});

describe('security schemes', () => {
  it('lists all three as alternatives by default, per operation: the GET is never a webhook', () => {
    // Act
    const document = buildOpenApiDocument();

    // Assess
    expect(document.security).toBeUndefined();
    expect(securityOf(document)).toEqual({
      post: [{ iam: [] }, { apiKey: [] }, { webhook: [] }],
      get: [{ iam: [] }, { apiKey: [] }],
    });
    expect(Object.keys(asNode(document.components.securitySchemes))).toEqual([...API_AUTH_MODES]);
  });

  it('describes IAM as SigV4 on Authorization with API Gateway’s awsSigv4 auth type, and the API key as x-api-key', () => {
    // Act
    const schemes = asNode(buildOpenApiDocument().components.securitySchemes);

    // Assess
    expect(schemes.iam).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    expect(schemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it('describes the Standard Webhooks headers and HMAC, and a 401 with a message', () => {
    // Act
    const document = buildOpenApiDocument({ auth: 'webhook' });
    const webhook = asNode(asNode(document.components.securitySchemes).webhook);
    const post = asNode(asNode(document.paths[EVENTS]).post);

    // Assess
    expect(webhook).toMatchObject({ type: 'apiKey', in: 'header', name: 'webhook-signature' });
    for (const part of [
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'HMAC-SHA256',
      'whsec_',
      '401',
    ]) {
      expect(webhook.description).toContain(part);
    }
    expect(post.parameters).toEqual([
      expect.objectContaining({ name: 'webhook-id', in: 'header', required: true }),
      expect.objectContaining({ name: 'webhook-timestamp', in: 'header', required: true }),
    ]);
    expect(documentValidator(document).response(EVENTS, 'post', 401, { message: 'x' }).valid).toBe(true);
  });

  it.each([
    ['iam', { post: [{ iam: [] }], get: [{ iam: [] }] }, ['iam']],
    ['apiKey', { post: [{ apiKey: [] }], get: [{ apiKey: [] }] }, ['apiKey']],
    // The deployed webhook mode: no API Gateway check on POST, SigV4 on GET.
    ['webhook', { post: [{ webhook: [] }], get: [{ iam: [] }] }, ['iam', 'webhook']],
  ] as const)(
    'names only the deployment’s schemes with auth=%s, per operation',
    (auth, security, schemes) => {
      // Act
      const document = buildOpenApiDocument({ auth });
      const statuses = (path: string, method: string) =>
        Object.keys(asNode(asNode(asNode(document.paths[path])[method]).responses));

      // Assess: 401 is the webhook check's, on POST only; 403 API Gateway's (IAM, API key, or the WAF of webhook mode).
      expect(securityOf(document)).toEqual(security);
      expect(Object.keys(asNode(document.components.securitySchemes))).toEqual(schemes);
      expect(statuses(EVENTS, 'post').includes('401')).toBe(auth === 'webhook');
      expect(statuses(STATUS, 'get')).not.toContain('401');
      expect(statuses(EVENTS, 'post')).toContain('403');
      expect(statuses(STATUS, 'get')).toContain('403');
    },
  );

  it('in webhook mode, documents the GET’s SigV4 refusal and the WAF block, and says the GET is IAM', () => {
    // Act
    const document = buildOpenApiDocument({ auth: 'webhook' });
    const get = asNode(asNode(document.paths[STATUS]).get);
    const forbidden = asNode(asNode(get.responses)['403']);
    const post403 = asNode(asNode(asNode(asNode(document.paths[EVENTS]).post).responses)['403']);

    // Assess
    expect(get.description).toContain('IAM (SigV4)');
    expect(examplesOf(asNode(asNode(forbidden.content)['application/json']))).toEqual([
      ['unsigned', { message: 'Missing Authentication Token' }],
      ['forbidden', { message: 'Forbidden' }],
    ]);
    expect(examplesOf(asNode(asNode(post403.content)['application/json']))).toEqual([
      ['forbidden', { message: 'Forbidden' }],
    ]);
  });

  it('takes a server URL (the local API serves the document with its own)', () => {
    expect(buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:3000' }).servers).toEqual([
      { url: 'http://127.0.0.1:3000' },
    ]);
  });
});

describe('answers', () => {
  it('documents every answer of both routes', () => {
    // Act
    const statuses = responsesOf(buildOpenApiDocument()).map(
      ([path, method, status]) => `${method} ${path} ${status}`,
    );

    // Assess
    expect(statuses.sort()).toEqual(
      [
        ...['202', '400', '401', '403', '409', '413', '415', '429', '500', '503'].map(
          (s) => `post ${EVENTS} ${s}`,
        ),
        ...['200', '400', '403', '404', '429', '500', '503'].map((s) => `get ${STATUS} ${s}`),
      ].sort(),
    );
  });

  it.each(API_AUTH_MODES.map((auth) => [auth]))(
    'gives each answer a schema and examples that conform to it (auth=%s)',
    (auth) => {
      // Prepare
      const document = buildOpenApiDocument({ auth });
      const check = documentValidator(document);

      // Act & Assess
      for (const [path, method, status, media] of responsesOf(document)) {
        const examples = examplesOf(media);
        expect([status, media.schema]).toEqual([status, expect.any(Object)]);
        expect([status, examples.length]).toEqual([status, expect.any(Number)]);
        expect(examples.length).toBeGreaterThan(0);
        for (const [name, value] of examples) {
          expect([status, name, check.response(path, method, status, value).errors]).toEqual([
            status,
            name,
            [],
          ]);
        }
      }
    },
  );

  it('has examples that show both 202 shapes: accepted and duplicate', () => {
    const [, , , media] = responsesOf(buildOpenApiDocument()).find(([, , status]) => status === '202') ?? [];
    expect(examplesOf(media ?? {}).map(([, value]) => value)).toEqual([
      { accepted: [{ eventId: 'mod-1' }] },
      { accepted: [{ eventId: 'mod-1', duplicate: true }, { eventId: 'mod-2' }] },
    ]);
  });

  it('rejects bodies the code does not send, so a drift between code and document is seen', () => {
    expect(
      validator.response(EVENTS, 'post', 202, { accepted: [{ eventId: 'e', duplicate: false }] }).valid,
    ).toBe(false);
    expect(validator.response(EVENTS, 'post', 400, { message: 'm', issues: [], issueCount: 0 }).valid).toBe(
      false,
    );
    expect(validator.response(STATUS, 'get', 200, { eventId: 'e', status: 'applied' }).valid).toBe(false);
  });

  it('matches the 500 errorResponse makes (no handler path gives one on demand)', () => {
    // Act
    const answer = errorResponse(new Error('boom at db-host-7'), 'req-1');

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(validator.response(EVENTS, 'post', 500, JSON.parse(answer.body)).errors).toEqual([]);
    expect(validator.response(STATUS, 'get', 500, JSON.parse(answer.body)).errors).toEqual([]);
  });
});

describe('the request schema', () => {
  it.each(Object.entries(REQUEST_EXAMPLES))(
    'takes the document’s %s example, which the bridge accepts',
    (_name, example) => {
      expect(request(example.value).errors).toEqual([]);
      expect(validateEvents(example.value, new Date('2026-12-01T10:00:00Z')).length).toBeGreaterThan(0);
    },
  );

  it.each(VALID_EVENTS.map((payload) => [payload]))('takes the corpus’ valid %j', (payload) => {
    expect(request(payload).errors).toEqual([]);
  });

  it.each(GOOD_EVENT_FIELDS.map((fields) => [eventBody(fields)]))('takes the test factory’s %j', (body) => {
    expect(request(body).errors).toEqual([]);
  });

  it('takes a batch of the good events, and of 100', () => {
    expect(request({ events: GOOD_EVENT_FIELDS.map(eventBody) }).errors).toEqual([]);
    expect(
      request({ events: VALID_EVENTS.slice(0, 1).flatMap((e) => Array(MAX_EVENTS_PER_REQUEST).fill(e)) })
        .valid,
    ).toBe(true);
  });

  /**
   * Rules JSON Schema cannot state: a byte length (the schema bounds characters, the looser bound) and a
   * time relative to the time of receipt. The request schema takes these; `validateEvents` does not.
   */
  const RUNTIME_ONLY = new Set([
    'name card of 51 bytes',
    'data value of 65 bytes',
    'occurredAt too far ahead',
    'ban reason over 1000 bytes',
  ]);

  it.each(INVALID_EVENTS.filter(([name]) => !RUNTIME_ONLY.has(name)))(
    'refuses the corpus’ %s',
    (_name, payload) => {
      expect(request(payload).valid).toBe(false);
    },
  );

  it.each(INVALID_EVENTS.filter(([name]) => RUNTIME_ONLY.has(name)))(
    'leaves the corpus’ %s to the bridge (a rule JSON Schema cannot state)',
    (_name, payload, issues) => {
      // Assess: the list above is exact, and each of its payloads is one the bridge does refuse.
      expect(request(payload).valid).toBe(true);
      expect(() => validateEvents(payload, CORPUS_RECEIVED_AT)).toThrow(expect.objectContaining({ issues }));
    },
  );

  it('knows every runtime-only name (a renamed corpus entry must not slip out of the list)', () => {
    const names = new Set(INVALID_EVENTS.map(([name]) => name));
    expect([...RUNTIME_ONLY].filter((name) => !names.has(name))).toEqual([]);
  });

  it.each([
    ['an empty batch', { events: [] }],
    ['a batch of 101', { events: Array(MAX_EVENTS_PER_REQUEST + 1).fill(VALID_EVENTS[0]) }],
    ['events not an array', { events: 'x' }],
    ['an unknown field beside events', { events: [VALID_EVENTS[0]], dryRun: true }],
    ['an event with an events field', { ...VALID_EVENTS[0], events: [] }],
    [
      'an invalid event in a batch',
      { events: [VALID_EVENTS[0], { groupId: 'g', account: 'bob', action: 'mute' }] },
    ],
    [
      '__proto__ in data',
      JSON.parse('{"groupId":"g","account":"bob","action":"set_member_data","data":{"__proto__":"x"}}'),
    ],
  ])('refuses %s', (_name, payload) => {
    expect(request(payload).valid).toBe(false);
  });
});

/**
 * The JSON bodies of the `curl -d '...'` examples of a Markdown page that POST to the bridge (not those
 * to the simulator's controls), each with the answer shown after it, if any.
 */
function curlRequests(markdown: string): { body: unknown; shown: string | undefined }[] {
  const found: { body: unknown; shown: string | undefined }[] = [];
  for (const match of markdown.matchAll(/\s(?:-d|--data|--data-raw|--data-binary) '([^']*)'/g)) {
    const command = markdown.slice(markdown.lastIndexOf('curl ', match.index), match.index);
    if (!command.includes('/v1/events')) continue;
    const after = markdown.slice((match.index ?? 0) + match[0].length).split('\n');
    const shown = after[1]?.startsWith('# ') ? after[1].slice(2) : undefined;
    found.push({ body: JSON.parse(match[1] ?? ''), shown });
  }
  return found;
}

describe('the README and docs/', () => {
  const examples = ['README.md', ...docsPages()].flatMap((page) =>
    curlRequests(readDoc(page)).map((example) => [page, JSON.stringify(example.body), example] as const),
  );

  it('have request examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples)(
    '%s sends a body that conforms, unless it shows a 400 for it: %s',
    (_page, _body, { body, shown }) => {
      const refused = shown?.includes('"issues"') ?? false;
      expect(request(body).valid).toBe(!refused);
    },
  );

  it('show a ledger item the GET 200 schema takes', () => {
    const section = sectionOf(readDoc('docs/contract.md'), '## `GET /v1/events/{eventId}`');
    const blocks = codeBlocksOf(section, 'json').map((block) => JSON.parse(block) as unknown);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(validator.response(STATUS, 'get', 200, block).errors).toEqual([]);
  });
});

describe('redocly lint', () => {
  /** The CLI's entry script, run with this node: no shell, no npx, no download. */
  const cli = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');

  it('passes with no errors and no warnings, in every auth mode, without reaching the network', () => {
    // Prepare: the committed document and one per deployment mode.
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    const files = [COMMITTED_DOCUMENT];
    for (const auth of API_AUTH_MODES) {
      const file = join(dir, `openapi-${auth}.json`);
      writeFileSync(
        file,
        serialize({ auth, serverUrl: 'https://abcdef1234.execute-api.ap-southeast-1.amazonaws.com/prod' }),
      );
      files.push(file);
    }

    try {
      // Act
      const run = spawnSync(
        process.execPath,
        [
          '--require',
          join(ROOT, 'test', 'helpers', 'no-network.cjs'),
          cli,
          'lint',
          '--format=json',
          '--config',
          join(ROOT, 'redocly.yaml'),
          ...files,
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            REDOCLY_TELEMETRY: 'off',
            REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
            REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
          },
        },
      );

      // Assess: one JSON report per file, concatenated; 97 would be a connection attempt.
      expect(run.error).toBeUndefined();
      expect(run.stderr).not.toContain('no-network');
      const reports = JSON.parse(`[${run.stdout.replace(/\}\s*\{(?=\s*"totals")/g, '},{')}]`) as {
        totals: { errors: number; warnings: number };
        problems: unknown[];
      }[];
      expect(reports).toHaveLength(files.length);
      for (const report of reports) {
        expect([report.totals, report.problems]).toEqual([
          expect.objectContaining({ errors: 0, warnings: 0 }),
          [],
        ]);
      }
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
