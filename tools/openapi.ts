import * as z from 'zod';
import { contractSchemas, EVENT_ID_RULE, MAX_EVENTS_PER_REQUEST } from '#shared/contract';
import {
  EnqueueError,
  EventConflictError,
  LedgerUnavailableError,
  MalformedBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  WebhookRejectedError,
} from '#shared/errors';
import {
  type AcceptedBody,
  API_AUTH_MODES,
  type ApiAuthMode,
  acceptedBodySchema,
  conflictBodySchema,
  enqueueErrorBodySchema,
  errorResponse,
  eventStatusResponse,
  fieldIssueSchema,
  MAX_LISTED_ISSUES,
  type MessageBody,
  messageBodySchema,
  serverErrorBodySchema,
  statusRouteAuth,
  validationErrorBodySchema,
  webhookRejectionMessage,
} from '#shared/http';
import {
  historyEntrySchema,
  ledgerErrorSchema,
  publicLedgerItemSchema,
  type StatusLookup,
} from '#shared/ledger';
import { SETTINGS } from '#shared/settings';

/**
 * The OpenAPI 3.1 document of the bridge's API: `POST /v1/events` and `GET /v1/events/{eventId}`.
 * Every schema in it is generated from the zod schemas the code validates with (`shared/contract/`) or
 * types its answers with (`shared/http/bodies.ts`, `shared/ledger/ledger.ts`), with zod's JSON Schema output for JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1; the examples of errors are the bodies `errorResponse` makes.
 */

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /**
   * The auth mode of the deployment the document describes (its `apiAuth`): the scheme of
   * `POST /v1/events`, and of `GET /v1/events/{eventId}` but in webhook mode, where the GET is IAM.
   * @default all three modes, as alternatives
   */
  auth?: ApiAuthMode;
  /**
   * The API's base URL, without `/v1/events` (e.g. the local API's `http://127.0.0.1:3000`).
   * @default API Gateway's regional URL, with the API id, region and stage as server variables
   */
  serverUrl?: string;
  /** The ingest's `MAX_BODY_BYTES`, for the 413's description. @default its setting's default */
  maxBodyBytes?: number;
}

/** A JSON value, as the document holds them. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The document: an OpenAPI 3.1 object. */
export interface OpenApiDocument extends JsonObject {
  openapi: '3.1.0';
  info: JsonObject;
  paths: JsonObject;
  components: JsonObject;
}

/** The request's component schemas, by name; JSON Schema of what a client sends (`io: 'input'`). */
const REQUEST_SCHEMAS = {
  EventRequest: contractSchemas.request,
  Event: contractSchemas.event,
  EventBatch: contractSchemas.batch,
  MuteEvent: contractSchemas.actions.mute,
  UnmuteEvent: contractSchemas.actions.unmute,
  SetRoleEvent: contractSchemas.actions.set_role,
  SetMsgFlagEvent: contractSchemas.actions.set_msg_flag,
  SetNameCardEvent: contractSchemas.actions.set_name_card,
  SetMemberDataEvent: contractSchemas.actions.set_member_data,
  RemoveEvent: contractSchemas.actions.remove,
  BanEvent: contractSchemas.actions.ban,
  UnbanEvent: contractSchemas.actions.unban,
  DeleteMessagesEvent: contractSchemas.actions.delete_messages,
  MuteAllEvent: contractSchemas.actions.mute_all,
  UnmuteAllEvent: contractSchemas.actions.unmute_all,
  RecallEvent: contractSchemas.actions.recall,
  MuteAccountEvent: contractSchemas.actions.mute_account,
  UnmuteAccountEvent: contractSchemas.actions.unmute_account,
  KickEvent: contractSchemas.actions.kick,
} as const;

/** The answers' component schemas, by name; JSON Schema of what the bridge sends (`io: 'output'`). */
const RESPONSE_SCHEMAS = {
  Accepted: acceptedBodySchema,
  ValidationError: validationErrorBodySchema,
  FieldIssue: fieldIssueSchema,
  Message: messageBodySchema,
  Conflict: conflictBodySchema,
  ServerError: serverErrorBodySchema,
  EnqueueError: enqueueErrorBodySchema,
  LedgerItem: publicLedgerItemSchema,
  LedgerError: ledgerErrorSchema,
  HistoryEntry: historyEntrySchema,
} as const;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

const ref = (name: RequestSchemaName | ResponseSchemaName): JsonObject => ({
  $ref: `#/components/schemas/${name}`,
});

/** The event schema of each action, for the OpenAPI discriminator. */
const ACTION_COMPONENTS = {
  mute: 'MuteEvent',
  unmute: 'UnmuteEvent',
  set_role: 'SetRoleEvent',
  set_msg_flag: 'SetMsgFlagEvent',
  set_name_card: 'SetNameCardEvent',
  set_member_data: 'SetMemberDataEvent',
  remove: 'RemoveEvent',
  ban: 'BanEvent',
  unban: 'UnbanEvent',
  delete_messages: 'DeleteMessagesEvent',
  mute_all: 'MuteAllEvent',
  unmute_all: 'UnmuteAllEvent',
  recall: 'RecallEvent',
  mute_account: 'MuteAccountEvent',
  unmute_account: 'UnmuteAccountEvent',
  kick: 'KickEvent',
} as const satisfies Record<keyof typeof contractSchemas.actions, RequestSchemaName>;

/**
 * JSON Schema 2020-12 of named zod schemas, referring to each other by `#/components/schemas/<name>`.
 * Each is a component of the document, so zod's `$schema` and `$id` are left out: the document's
 * dialect is 2020-12 already, and a fragment is not a valid `$id`.
 */
function componentSchemas(
  schemas: Readonly<Record<string, z.ZodType>>,
  io: 'input' | 'output',
  extra: Readonly<Record<string, JsonObject>> = {},
): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    out[id] = { ...(JSON.parse(JSON.stringify(rest)) as JsonObject), ...extra[id] };
  }
  return out;
}

/** An example request id, as Lambda makes them. */
const REQUEST_ID = '8f2d1c4e-5a6b-4c7d-9e8f-0a1b2c3d4e5f';

/** The body `errorResponse` answers `error` with: the examples show what the code really says. */
const bodyOf = (error: unknown): Json => JSON.parse(errorResponse(error, REQUEST_ID).body) as Json;

/** The body `GET /v1/events/{eventId}` answers a lookup with (`eventStatusResponse`), likewise. */
const statusBodyOf = (found: StatusLookup): Json =>
  JSON.parse(eventStatusResponse(found, REQUEST_ID).body) as Json;

const example = (summary: string, value: Json): JsonObject => ({ summary, value });

/** The request examples; the tests check that `validateEvents` accepts each. */
export const REQUEST_EXAMPLES = {
  mute: example('Mute a member for 10 minutes', {
    eventId: 'mod-1',
    groupId: '@TGS#2CLUZEAEJ',
    account: 'bob',
    action: 'mute',
    durationSeconds: 600,
    reason: 'spam',
  }),
  nameCard: example('Set a name card; the bridge generates the eventId', {
    groupId: '@TGS#2CLUZEAEJ',
    account: 'bob',
    action: 'set_name_card',
    nameCard: 'Bob (muted)',
  }),
  memberData: example('Set group member custom fields', {
    eventId: 'mod-3',
    groupId: '@TGS#2CLUZEAEJ',
    account: 'carol',
    action: 'set_member_data',
    data: { level: 'gold', MemberDefined1: 'vip' },
    occurredAt: '2026-12-01T10:00:00Z',
  }),
  batch: example(`A batch of 1 to ${MAX_EVENTS_PER_REQUEST} events, validated all or nothing`, {
    events: [
      { eventId: 'mod-1', groupId: '@TGS#2CLUZEAEJ', account: 'bob', action: 'unmute' },
      { eventId: 'mod-2', groupId: '@TGS#2CLUZEAEJ', account: 'alice', action: 'set_role', role: 'admin' },
      {
        eventId: 'mod-4',
        groupId: '@TGS#2CLUZEAEJ',
        account: 'dave',
        action: 'set_msg_flag',
        msgFlag: 'Discard',
      },
    ],
  }),
} as const satisfies Record<string, JsonObject>;

const accepted = (value: AcceptedBody) => value as Json;
const message = (value: MessageBody) => value as Json;

const jsonContent = (schema: JsonObject, examples: Record<string, JsonObject>): JsonObject => ({
  'application/json': { schema, examples },
});

const response = (
  description: string,
  schema: JsonObject,
  examples: Record<string, JsonObject>,
): JsonObject => ({
  description,
  content: jsonContent(schema, examples),
});

/** The 401 of each check the webhook signature fails: the bodies the ingest answers with. */
const webhookRejection = (summary: string, message: string): JsonObject =>
  example(summary, bodyOf(new WebhookRejectedError(message)));

/**
 * The answers given before the function does its work, on a route that checks `schemes`, in a
 * deployment of `modes`: API Gateway's refusals and throttling, and the webhook check's 401.
 */
function gatewayResponses(
  schemes: readonly ApiAuthMode[],
  modes: readonly ApiAuthMode[],
): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  if (schemes.includes('webhook')) {
    out['401'] = response(
      'Webhook mode: the `webhook-*` headers are missing, the timestamp is not whole seconds or more than 5 minutes away, or the signature does not match; nothing was recorded or enqueued.',
      ref('Message'),
      {
        missing: webhookRejection(
          'A header missing',
          webhookRejectionMessage('missing_headers', ['webhook-signature']),
        ),
        timestamp: webhookRejection(
          'A timestamp that is not whole seconds',
          webhookRejectionMessage('invalid_timestamp'),
        ),
        tooOld: webhookRejection('Signed too long ago', webhookRejectionMessage('timestamp_too_old')),
        tooNew: webhookRejection('Signed in the future', webhookRejectionMessage('timestamp_too_new')),
        signature: webhookRejection(
          'A bad signature (another body, id, timestamp or secret)',
          webhookRejectionMessage('bad_signature'),
        ),
      },
    );
  }
  const waf = modes.includes('webhook');
  const refusals = [
    ...(schemes.includes('iam')
      ? ['unsigned or wrongly signed, or not allowed `execute-api:Invoke` (IAM)']
      : []),
    ...(schemes.includes('apiKey') ? ['no valid API key'] : []),
    ...(waf ? ['blocked by the WAF web ACL (webhook mode, unless deployed with `-c waf=false`)'] : []),
  ];
  const apiKey = schemes.includes('apiKey');
  out['403'] = response(`API Gateway refused the request: ${refusals.join('; ')}.`, ref('Message'), {
    ...(schemes.includes('iam')
      ? {
          unsigned: example(
            'IAM mode, an unsigned request',
            message({ message: 'Missing Authentication Token' }),
          ),
        }
      : {}),
    ...(apiKey || waf
      ? {
          forbidden: example(
            apiKey && waf
              ? 'A missing or unknown API key, or a WAF block'
              : apiKey
                ? 'A missing or unknown API key'
                : 'A WAF block',
            message({ message: 'Forbidden' }),
          ),
        }
      : {}),
  });
  out['429'] = response(
    'API Gateway throttled the request (the stage, or the API key’s usage plan and quota): retry later, with backoff.',
    ref('Message'),
    {
      throttled: example('Over the rate limit', message({ message: 'Too Many Requests' })),
      ...(apiKey
        ? { quota: example("Over the API key's daily quota", message({ message: 'Limit Exceeded' })) }
        : {}),
    },
  );
  return out;
}

const internalError = (): JsonObject =>
  response('Anything else went wrong; the details are in the logs only.', ref('ServerError'), {
    internal: example('An unexpected error', bodyOf(new Error('never shown'))),
  });

const invalidFields = (summary: string, issues: { path: string; rule: string }[]): JsonObject =>
  example(summary, bodyOf(new ValidationError(issues)));

/** The answers of `POST /v1/events`, a route that checks `schemes`, in a deployment of `modes`. */
function postResponses(
  schemes: readonly ApiAuthMode[],
  modes: readonly ApiAuthMode[],
  maxBodyBytes: number,
): JsonObject {
  return {
    '202': response(
      'Every event is on the queue, or was already: the ids in request order.',
      ref('Accepted'),
      {
        accepted: example('Accepted', accepted({ accepted: [{ eventId: 'mod-1' }] })),
        duplicate: example(
          'A resend: the ledger had mod-1 with the same content (not enqueued again); mod-2 is new',
          accepted({ accepted: [{ eventId: 'mod-1', duplicate: true }, { eventId: 'mod-2' }] }),
        ),
      },
    ),
    '400': response(
      'Invalid events, duplicate or reserved keys (every broken rule, by field path), or a body that cannot be read; nothing was enqueued.',
      { oneOf: [ref('ValidationError'), ref('Message')] },
      {
        invalid: invalidFields('Invalid fields', [
          { path: 'events[1].durationSeconds', rule: 'is required' },
          { path: 'events[2].role', rule: "must be 'admin' or 'member'" },
        ]),
        duplicateKey: invalidFields('A key twice in one object', [
          { path: 'account', rule: 'duplicate key' },
        ]),
        unreadable: example(
          'Not JSON',
          bodyOf(
            new MalformedBodyError(
              "request body is not valid JSON: unexpected character '}'; expected a property name in double quotes at position 47",
            ),
          ),
        ),
      },
    ),
    ...gatewayResponses(schemes, modes),
    '409': response(
      'An eventId of the request is already in the ledger for other content; nothing was enqueued. The same request gets the same answer.',
      ref('Conflict'),
      {
        conflict: example(
          'mod-2 was used for another event',
          bodyOf(new EventConflictError([{ index: 1, eventId: 'mod-2' }])),
        ),
      },
    ),
    '413': response(
      `The body is larger than \`MAX_BODY_BYTES\` (${maxBodyBytes} by default).`,
      ref('Message'),
      {
        tooLarge: example('Too large', bodyOf(new PayloadTooLargeError(maxBodyBytes))),
      },
    ),
    '415': response(
      'Not `application/json`, a charset other than UTF-8, or a content coding (send the body uncompressed).',
      ref('Message'),
      {
        contentType: example(
          'Another media type',
          bodyOf(new UnsupportedMediaTypeError("Content-Type must be application/json, got 'text/plain'")),
        ),
        encoding: example(
          'A compressed body',
          bodyOf(
            new UnsupportedMediaTypeError(
              "Content-Encoding must be identity or absent (send the body uncompressed), got 'gzip'",
            ),
          ),
        ),
      },
    ),
    '500': internalError(),
    '503': response(
      'The ledger or the queue could not be reached. Resend the same request: events already enqueued are dropped as duplicates by eventId.',
      { oneOf: [ref('EnqueueError'), ref('ServerError')] },
      {
        ledger: example(
          'The ledger is unavailable; nothing was enqueued',
          bodyOf(new LedgerUnavailableError('timeout')),
        ),
        queue: example('The queue refused some events', bodyOf(new EnqueueError(['mod-1'], ['mod-2']))),
      },
    ),
  };
}

/** The answers of `GET /v1/events/{eventId}`, a route that checks `schemes`, in a deployment of `modes`. */
function statusResponses(schemes: readonly ApiAuthMode[], modes: readonly ApiAuthMode[]): JsonObject {
  return {
    '200': response('The ledger item: what became of the event.', ref('LedgerItem'), {
      applied: example('Applied on the second attempt', {
        eventId: 'mod-1',
        status: 'applied',
        groupId: '@TGS#2CLUZEAEJ',
        account: 'bob',
        action: 'mute',
        acceptedAt: '2026-12-01T10:00:00.000Z',
        updatedAt: '2026-12-01T10:00:03.120Z',
        attempts: 2,
        lastError: { code: 10002, info: 'internal error', at: '2026-12-01T10:00:00.510Z' },
        appliedAt: '2026-12-01T10:00:03.120Z',
        history: [
          { at: '2026-12-01T10:00:00.000Z', outcome: 'received' },
          { at: '2026-12-01T10:00:00.020Z', outcome: 'queued' },
          {
            at: '2026-12-01T10:00:00.510Z',
            outcome: 'retrying',
            attempt: 1,
            code: 10002,
            info: 'internal error',
            ms: 48,
          },
          { at: '2026-12-01T10:00:03.120Z', outcome: 'applied', attempt: 2, code: 0, ms: 51 },
        ],
      }),
    }),
    '400': response('The eventId is not a valid one.', ref('ValidationError'), {
      invalid: example(
        'A space in the id',
        statusBodyOf({
          kind: 'invalid',
          issues: [{ path: 'eventId', rule: EVENT_ID_RULE }],
        }),
      ),
    }),
    ...gatewayResponses(schemes, modes),
    '404': response(
      'No event with this eventId: never accepted, or expired from the ledger.',
      ref('Message'),
      {
        notFound: example('Unknown', statusBodyOf({ kind: 'not_found' })),
      },
    ),
    '500': internalError(),
    '503': response('The ledger could not be reached; try again.', ref('ServerError'), {
      ledger: example('The ledger is unavailable', statusBodyOf({ kind: 'unavailable' })),
    }),
  };
}

/** The security schemes, as OpenAPI describes them. */
const SECURITY_SCHEME_OBJECTS: Record<ApiAuthMode, JsonObject> = {
  iam: {
    type: 'apiKey',
    name: 'Authorization',
    in: 'header',
    // API Gateway's own extension for IAM authorization (as its OpenAPI exports write it).
    'x-amazon-apigateway-authtype': 'awsSigv4',
    description:
      'AWS Signature Version 4 (service `execute-api`), the default mode (`apiAuth=iam`), and the scheme of ' +
      '`GET /v1/events/{eventId}` in webhook mode: sign the request with credentials allowed ' +
      '`execute-api:Invoke` on the route (`.../POST/v1/events`, `.../GET/v1/events/*`).',
  },
  apiKey: {
    type: 'apiKey',
    name: 'x-api-key',
    in: 'header',
    description:
      'An API Gateway API key (`apiAuth=apiKey`), throttled and capped by its usage plan. Read it with ' +
      '`aws apigateway get-api-key --api-key <ApiKeyId> --include-value`.',
  },
  webhook: {
    type: 'apiKey',
    name: 'webhook-signature',
    in: 'header',
    description: [
      'A Standard Webhooks signature (`apiAuth=webhook`; the scheme Svix and others publish). Send three headers:',
      '`webhook-id` (the delivery id), `webhook-timestamp` (Unix seconds, within 5 minutes of the bridge clock) and',
      '`webhook-signature`: space-separated `v1,<base64 of HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}">`,',
      'the key being the base64 after `whsec_` of a signing secret (several may be valid while one is rotated).',
      'A missing header, a bad signature or a stale timestamp is a 401. An event without `eventId` takes the',
      '`webhook-id` as its eventId (`{webhook-id}:{i}` for event i of a batch), so a redelivery is a duplicate.',
      'Only `POST /v1/events` is a signed webhook: `GET /v1/events/{eventId}` stays IAM (SigV4) in this mode.',
    ].join(' '),
  },
};

/** The headers of webhook mode besides the signature (the security scheme's own header). */
function webhookHeaders(required: boolean): JsonObject[] {
  const only = required ? '' : ' Webhook mode only.';
  return [
    {
      name: 'webhook-id',
      in: 'header',
      required,
      description: `The delivery's id, signed; the default eventId of its events.${only}`,
      schema: { type: 'string', minLength: 1 },
      example: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    },
    {
      name: 'webhook-timestamp',
      in: 'header',
      required,
      description: `When the delivery was signed, in Unix seconds; at most 5 minutes from the bridge's clock.${only}`,
      schema: { type: 'string', pattern: '^[0-9]+$' },
      example: '1764583200',
    },
  ];
}

/**
 * Builds the OpenAPI 3.1 document.
 *
 * @example
 * ```ts
 * buildOpenApiDocument({ auth: 'apiKey' }); // one security scheme, `x-api-key`
 * buildOpenApiDocument({ auth: 'webhook' }); // webhook on POST, iam on GET
 * buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:3000' }); // the local API, all three schemes
 * ```
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): OpenApiDocument {
  const modes: readonly ApiAuthMode[] = options.auth === undefined ? API_AUTH_MODES : [options.auth];
  const maxBodyBytes = options.maxBodyBytes ?? SETTINGS.ingest.maxBodyBytes.default;
  // Each route's schemes, in the order of the modes: the GET is IAM in webhook mode.
  const postSchemes = modes;
  const statusSchemes = API_AUTH_MODES.filter((scheme) =>
    modes.some((mode) => statusRouteAuth(mode) === scheme),
  );
  const usedSchemes = API_AUTH_MODES.filter(
    (scheme) => postSchemes.includes(scheme) || statusSchemes.includes(scheme),
  );
  const securityOf = (schemes: readonly ApiAuthMode[]): Json[] =>
    schemes.map((scheme): JsonObject => ({ [scheme]: [] }));
  const withWebhook = modes.includes('webhook');
  const servers: Json[] =
    options.serverUrl === undefined
      ? [
          {
            url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}',
            description: 'The deployed API Gateway stage (the `EventsUrl` output without `/v1/events`).',
            variables: {
              restApiId: { default: 'abcdef1234', description: 'The REST API id.' },
              region: { default: 'ap-southeast-1', description: 'The AWS region of the stack.' },
              stage: { default: 'dev', description: 'The deployment stage (`-c stage=...`).' },
            },
          },
        ]
      : [{ url: options.serverUrl }];

  const requestSchemas = componentSchemas(REQUEST_SCHEMAS, 'input', {
    Event: {
      discriminator: {
        propertyName: 'action',
        mapping: Object.fromEntries(
          Object.entries(ACTION_COMPONENTS).map(([action, name]) => [action, `#/components/schemas/${name}`]),
        ),
      },
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tencent Cloud Chat moderation bridge',
      version: '1.0.0',
      summary:
        'Moderation events over HTTP to Tencent Cloud Chat, through a queue, with a ledger of what became of each.',
      description: [
        '`POST /v1/events` validates moderation events (all or nothing), records each in the event ledger and',
        'enqueues it; a consumer applies it with Tencent Cloud Chat `modify_group_member_info`, retrying what can be',
        'retried. `GET /v1/events/{eventId}` says what became of an event.',
        `A 400 lists at most ${MAX_LISTED_ISSUES} issues; \`issueCount\` is the total.`,
        'Send your own eventIds when you may resend: the same eventId with the same content is a duplicate for the',
        'ledger retention (14 days by default), with other content a 409.',
      ].join(' '),
    },
    servers,
    tags: [{ name: 'events', description: 'Moderation events and what became of them.' }],
    paths: {
      '/v1/events': {
        post: {
          tags: ['events'],
          operationId: 'sendEvents',
          summary: 'Send moderation events',
          description:
            'One event, or `{"events": [...]}` with 1 to 100. The body is read strictly: UTF-8 JSON only (RFC 8259), ' +
            'no key twice in one object, no `__proto__`, `constructor` or `prototype` keys, unknown fields refused.',
          security: securityOf(postSchemes),
          ...(withWebhook ? { parameters: webhookHeaders(options.auth === 'webhook') } : {}),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('EventRequest'), examples: REQUEST_EXAMPLES } },
          },
          responses: postResponses(postSchemes, modes, maxBodyBytes),
        },
      },
      '/v1/events/{eventId}': {
        get: {
          tags: ['events'],
          operationId: 'getEventStatus',
          summary: 'What became of an event',
          ...(withWebhook
            ? { description: 'In webhook mode this route is IAM (SigV4): it is not a signed webhook.' }
            : {}),
          security: securityOf(statusSchemes),
          parameters: [
            {
              name: 'eventId',
              in: 'path',
              required: true,
              description: 'The eventId, URL-encoded (`mod-1:a` is `mod-1%3Aa`).',
              schema: JSON.parse(
                JSON.stringify(
                  z.toJSONSchema(contractSchemas.eventId, { io: 'input', target: 'draft-2020-12' }),
                  (key, value) => (key === '$schema' ? undefined : value),
                ),
              ) as Json,
              example: 'mod-1',
            },
          ],
          responses: statusResponses(statusSchemes, modes),
        },
      },
    },
    components: {
      schemas: { ...requestSchemas, ...componentSchemas(RESPONSE_SCHEMAS, 'output') },
      securitySchemes: Object.fromEntries(
        usedSchemes.map((scheme) => [scheme, SECURITY_SCHEME_OBJECTS[scheme]]),
      ),
    },
  };
}
