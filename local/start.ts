/**
 * `npm start`: the whole bridge on 127.0.0.1, with the Tencent Chat simulator, in one process.
 *
 * Environment (all optional):
 *   PORT                  HTTP API port (default 3000)
 *   SIMULATOR_PORT        simulator port (default 8090)
 *   SIMULATOR_BACKUP_PORT the simulator's backup-domain listener (default 8091), the consumer's IM_BACKUP_ENDPOINT
 *   SIMULATOR_SEED        the simulator's groups (default local/simulator/seed.example.json)
 *   IM_ENDPOINT           drive this Tencent REST API instead of the simulator (a real app's region domain)
 *   IM_BACKUP_ENDPOINT    the backup domain to fail over to; `none` for no failover (default: the
 *                         simulator's backup listener; none with IM_ENDPOINT)
 *   TENCENT_SDK_APP_ID, TENCENT_IDENTIFIER, and TENCENT_SECRET_KEY or TENCENT_USERSIG
 *                         that app's admin credentials (required with IM_ENDPOINT)
 *   AWS_ENDPOINT_URL      an external SQS, Secrets Manager and DynamoDB (moto, LocalStack) instead of
 *                         the in-process stand-ins, like --aws-endpoint
 *   MUTE_API              modify_group_member_info (default) or forbid_send_msg, like --mute-api
 *   POWERTOOLS_LOG_LEVEL  the functions' log level (default INFO)
 *   LOCAL_API_KEY         the API key of --auth apiKey (default: a random one, printed)
 * plus any consumer setting of docs/settings.md (MAX_ATTEMPTS, BACKOFF_BASE_SECONDS, ...).
 */
import { parseArgs } from 'node:util';
import {
  curlAuth,
  describeLocalAuth,
  LOCAL_AUTH_MODES,
  type LocalAuthChoice,
  newLocalApiKey,
} from './api-auth.ts';
import { closeOnSignals } from './signals.ts';
import { DEFAULT_BACKUP_PORT, loadSeedFile } from './simulator/index.ts';
import { LOCAL_NAMES, startLocalStack } from './stack.ts';
import { developmentSigningSecret, webhookSecretString, webhookSendCommand } from './webhook.ts';

const HELP = `npm start [-- --port N --simulator-port N --simulator-backup-port N --aws-endpoint URL --auth none|iam|apiKey|webhook --mute-api API]

Runs the bridge on 127.0.0.1: POST /v1/events and GET /v1/events/{eventId}, a local SQS FIFO queue and
dead-letter queue, a local Secrets Manager, the event ledger in dynalite (in memory), a local
EventBridge that logs outcome events, the consumer polling the queue, and the Tencent Chat simulator.
Ctrl-C stops it after in-flight work. See docs/local.md for the environment variables.

--aws-endpoint URL (or AWS_ENDPOINT_URL) uses the SQS, Secrets Manager and DynamoDB of an emulator at
URL, such as moto_server or LocalStack, instead of the in-process ones: the queues, the secret and the
ledger table are created there.

--auth iam checks each request's SigV4 signature (service execute-api, the local stack's credentials,
printed); --auth apiKey checks the x-api-key header (LOCAL_API_KEY, or a random key, printed);
--auth webhook runs the API as -c apiAuth=webhook deploys it: every POST /v1/events must carry a
Standard Webhooks signature (a fresh development signing secret is put in the local Secrets Manager and
printed, with a command that signs and sends a body), and GET checks SigV4 as --auth iam does. The
default, none, checks nothing.
--mute-api forbid_send_msg (or MUTE_API) sends mutes and unmutes through Tencent's forbid_send_msg,
several members of a group in one call, and in live-stream (AVChatRoom) groups too; the default,
modify_group_member_info, sends one call per member.`;

function authChoice(raw: string | undefined): LocalAuthChoice {
  const mode = raw ?? 'none';
  if (mode === 'none' || mode === 'iam' || mode === 'webhook') return { mode };
  if (mode === 'apiKey') return { mode, apiKey: process.env.LOCAL_API_KEY || newLocalApiKey() };
  throw new Error(`--auth must be one of ${LOCAL_AUTH_MODES.join(', ')}, got '${mode}'`);
}

function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a port number (0-65535), got '${raw}'`);
  }
  return value;
}

function awsEndpoint(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--aws-endpoint must be an http(s) URL, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--aws-endpoint must be an http(s) URL, got '${raw}'`);
  return raw.replace(/\/+$/, '');
}

function tencentSecret(): string | undefined {
  const env = process.env;
  if (!env.IM_ENDPOINT) return undefined;
  const missing = ['TENCENT_SDK_APP_ID', 'TENCENT_IDENTIFIER'].filter((name) => !env[name]);
  if (!env.TENCENT_SECRET_KEY && !env.TENCENT_USERSIG) missing.push('TENCENT_SECRET_KEY or TENCENT_USERSIG');
  if (missing.length > 0)
    throw new Error(`IM_ENDPOINT is set, so these are required too: ${missing.join(', ')}`);
  if (!/^[1-9]\d*$/.test(env.TENCENT_SDK_APP_ID ?? '')) {
    throw new Error(`TENCENT_SDK_APP_ID must be a positive integer, got '${env.TENCENT_SDK_APP_ID}'`);
  }
  return JSON.stringify({
    sdkAppId: Number(env.TENCENT_SDK_APP_ID),
    identifier: env.TENCENT_IDENTIFIER,
    ...(env.TENCENT_SECRET_KEY ? { secretKey: env.TENCENT_SECRET_KEY } : { userSig: env.TENCENT_USERSIG }),
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'simulator-port': { type: 'string' },
      'simulator-backup-port': { type: 'string' },
      'aws-endpoint': { type: 'string' },
      auth: { type: 'string' },
      'mute-api': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The consumer reads and checks it when the stack loads it, as at a Lambda cold start.
  if (values['mute-api'] !== undefined) process.env.MUTE_API = values['mute-api'];
  const forbid = process.env.MUTE_API?.trim() === 'forbid_send_msg';

  const secretString = tencentSecret();
  const imEndpoint = process.env.IM_ENDPOINT || undefined;
  const imBackupEndpoint = process.env.IM_BACKUP_ENDPOINT || undefined;
  const external = awsEndpoint(values['aws-endpoint'] ?? process.env.AWS_ENDPOINT_URL);
  const apiAuth = authChoice(values.auth);
  const signingSecret = apiAuth.mode === 'webhook' ? developmentSigningSecret() : undefined;
  const stack = await startLocalStack({
    ...(external === undefined ? {} : { awsEndpoint: external }),
    apiAuth,
    apiPort: port('--port', values.port ?? process.env.PORT, 3000),
    ...(imEndpoint === undefined
      ? {
          simulator: {
            port: port('--simulator-port', values['simulator-port'] ?? process.env.SIMULATOR_PORT, 8090),
            backup: {
              port: port(
                '--simulator-backup-port',
                values['simulator-backup-port'] ?? process.env.SIMULATOR_BACKUP_PORT,
                DEFAULT_BACKUP_PORT,
              ),
            },
            groups: await loadSeedFile(process.env.SIMULATOR_SEED || 'local/simulator/seed.example.json'),
          },
        }
      : { imEndpoint }),
    ...(imBackupEndpoint === undefined ? {} : { imBackupEndpoint }),
    ...(secretString === undefined ? {} : { secretString }),
    ...(signingSecret === undefined ? {} : { webhookSecretString: webhookSecretString(signingSecret) }),
    // As a rule's target would get it from EventBridge, on one line.
    onOutcome: (event) => {
      console.log(
        JSON.stringify({
          message: 'outcome event',
          eventBusName: event.eventBusName,
          version: '0',
          id: event.id,
          'detail-type': event.detailType,
          source: event.source,
          time: event.time,
          resources: event.resources,
          detail: event.detail,
        }),
      );
    },
    onInvoke: (summary) => {
      if (summary.error !== undefined) {
        const message = summary.error instanceof Error ? summary.error.message : String(summary.error);
        console.error(`consumer invocation failed (${summary.records} records will come back): ${message}`);
      }
    },
  });

  const events = `${stack.apiUrl}/v1/events`;
  const auth = curlAuth(stack.apiAuth);
  const simulatorBackup =
    stack.imBackupEndpoint !== undefined && stack.imBackupEndpoint === stack.simulator?.backupUrl;
  const example =
    '{"groupId": "@TGS#2CLUZEAEJ", "account": "bob", "action": "set_name_card", "nameCard": "Bob (muted)"}';
  const post =
    signingSecret === undefined
      ? `curl -sS${auth} -X POST ${events} -H 'content-type: application/json' \\
    -d '${example}'`
      : `${webhookSendCommand(events, signingSecret, example)}
    # signs the body with the secret above and POSTs it (a signature is good for 5 minutes)`;
  const webhookLines =
    signingSecret === undefined
      ? ''
      : `\n  Webhooks   every POST must be signed (Standard Webhooks); development signing secret, new at each start:
             ${signingSecret}
             (in the local Secrets Manager as ${LOCAL_NAMES.webhookSecret}: {"signingSecrets": [...]})`;
  console.log(`
Moderation bridge running locally
  API        POST ${events}
  OpenAPI    GET ${stack.apiUrl}/v1/openapi.json
  Tencent    ${stack.simulator ? `${stack.imEndpoint} (simulator; state: GET ${stack.imEndpoint}/_sim/groups)` : stack.imEndpoint}
  Backup     ${stack.imBackupEndpoint === undefined ? 'none (no failover)' : `${stack.imBackupEndpoint}${simulatorBackup ? ' (simulator, standing for the backup domain)' : ''}`}
  SQS        ${stack.queueUrl}
  DLQ        ${stack.deadLetterQueueUrl}${stack.sqs === undefined ? `\n  AWS        ${external} (external: the queues and the secret were created there)` : ''}
  Ledger     DynamoDB table ${stack.ledger.tableName} at ${stack.ledger.endpoint}${stack.sqs === undefined ? '' : ' (dynalite, in memory)'}
  Outcomes   EventBridge bus ${LOCAL_NAMES.outcomeBus} (local: each outcome event is logged as a JSON line)
  Mutes      ${forbid ? 'forbid_send_msg (MUTE_API): mutes of several members of a group in one batch go out as one call' : 'modify_group_member_info, one call per member (MUTE_API=forbid_send_msg for forbid_send_msg)'}
${describeLocalAuth(stack.apiAuth, events).join('\n')}${webhookLines}

Try it:
  ${post}
  curl -sS${auth} ${events}/<eventId>    # what became of it: the eventId the POST answered
  curl -sS ${stack.imEndpoint}/_sim/groups/${encodeURIComponent('@TGS#2CLUZEAEJ')}/members${
    simulatorBackup
      ? `
  curl -sS -X POST ${stack.imBackupEndpoint}/_sim/domains/main -d '{"reachable": false}'   # main domain refuses connections: calls fail over to the backup ("reachable": true brings it back)`
      : ''
  }${
    forbid && stack.simulator && signingSecret === undefined
      ? `

Mute two viewers of the live-stream group (AVChatRoom: forbid_send_msg only; one call if one batch holds both):
  curl -sS${auth} -X POST ${events} -H 'content-type: application/json' \\
    -d '{"events": [{"groupId": "live-room-1", "account": "ivan", "action": "mute", "durationSeconds": 600},
                    {"groupId": "live-room-1", "account": "judy", "action": "mute", "durationSeconds": 600}]}'
  curl -sS ${stack.imEndpoint}/_sim/groups/live-room-1/members`
      : ''
  }

Ctrl-C stops it.
`);

  closeOnSignals(
    async () => {
      await stack.close();
      console.log('stopped');
    },
    (signal) => `${signal}: finishing in-flight work...`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
