/**
 * The `send` command: argument parsing and output. The HTTP work is the typed client's
 * (`client/`); the entry point is `send.ts`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  ACTION_TARGETS,
  ACTIONS,
  type Action,
  BULK_ACTIONS,
  MSG_FLAGS,
  type MsgFlag,
  MUTE_SCOPES,
  type MuteScope,
  type TargetKind,
} from '#shared/contract';
import { ConfigError, UsageError } from '#shared/errors';
import { API_AUTH_MODES, type ApiAuthMode } from '#shared/http';
import { describeNetworkError, messageOf } from '../client/errors.ts';
import {
  type BridgeAuth,
  BridgeClient,
  type BridgeClientOptions,
  type BridgeEvent,
  BridgeRejectedError,
  type EventStatus,
  RetriesExhaustedError,
} from '../client/index.ts';
import { readStackOutputs } from './outputs.ts';

/** The process exit codes, one per outcome. */
export const EXIT = {
  /** Accepted or duplicate; `status`: found. */
  ok: 0,
  /** Something unexpected: an answer the client cannot read. */
  failed: 1,
  /** A bad command line, or a setting missing or invalid. */
  usage: 2,
  /** The bridge refused the request (4xx): printed with its message and issues. */
  rejected: 3,
  /** Every attempt failed (429, 5xx, no answer) until the deadline or the last attempt. */
  gaveUp: 4,
  /** `status`: the bridge has no event with this eventId. */
  notFound: 5,
} as const;

/** What `--help` says of each action: its own flags, and one example. */
export const ACTION_HELP: Readonly<Record<Action, { flags: string; example: string }>> = {
  mute: {
    flags: '--duration <seconds>',
    example: 'mute --group @TGS#2C --account bot-1 --account bot-2 --duration 600',
  },
  unmute: { flags: '', example: 'unmute --group @TGS#2C --account spammer' },
  set_role: { flags: '--role admin|member', example: 'set_role --group @TGS#2C --account bob --role admin' },
  set_msg_flag: {
    flags: `--msg-flag ${MSG_FLAGS.join('|')}`,
    example: 'set_msg_flag --group @TGS#2C --account bob --msg-flag Discard',
  },
  set_name_card: {
    flags: '--name-card <text>',
    example: "set_name_card --group @TGS#2C --account bob --name-card 'Bob'",
  },
  set_member_data: {
    flags: '--data <key>=<value>  (once per field, up to 5)',
    example: 'set_member_data --group @TGS#2C --account bob --data level=gold',
  },
  remove: { flags: '[--silent]', example: 'remove --group @TGS#2C --account spammer --silent --reason spam' },
  ban: { flags: '--duration <seconds>', example: 'ban --group @TGS#2C --account spammer --duration 86400' },
  unban: { flags: '', example: 'unban --group @TGS#2C --account spammer' },
  delete_messages: { flags: '', example: 'delete_messages --group @TGS#2C --account spammer' },
  mute_all: { flags: '', example: 'mute_all --group @TGS#2C' },
  unmute_all: { flags: '', example: 'unmute_all --group @TGS#2C' },
  recall: {
    flags: '--msg-seq <n>  (once per message, 1 to 10)',
    example: 'recall --group @TGS#2C --msg-seq 101 --msg-seq 102',
  },
  mute_account: {
    flags: '--duration <seconds> [--scope all|groups|direct]',
    example: 'mute_account --account spammer --duration 3600 --scope groups',
  },
  unmute_account: { flags: '[--scope all|groups|direct]', example: 'unmute_account --account spammer' },
  kick: { flags: '', example: 'kick --account spammer' },
};

/** The target flags of an action's kind. */
const TARGET_FLAGS = {
  member: '--group <groupId> --account <account>',
  group: '--group <groupId>',
  account: '--account <account>',
} as const satisfies Record<TargetKind, string>;

const actionLines = (kind: TargetKind): string =>
  ACTIONS.filter((action) => ACTION_TARGETS[action] === kind)
    .map((action) => {
      const { flags, example } = ACTION_HELP[action];
      return `${`  ${action.padEnd(16)}${flags}`.trimEnd()}\n  ${''.padEnd(16)}e.g. npm run send -- ${example}`;
    })
    .join('\n');

/** The usage text, printed by `--help` and after a usage error. */
export const USAGE = `Usage: npm run send -- <action> [--group <groupId>] [--account <account>] [fields] [options]
       npm run send -- status <eventId> [options]

Sends one moderation event to the bridge (POST /v1/events) with the typed client, or shows what
became of one (GET /v1/events/{eventId}). The client makes the eventId (a UUID) before the first
attempt unless --event-id gives one, and retries 429, 5xx and network errors with the same eventId
until --deadline: a retry can never apply the event twice.

Actions, their fields and an example each (docs/contract.md):
About a member (${TARGET_FLAGS.member}; ${BULK_ACTIONS.join(', ')} take --account up to 500
times, one bulk event about several members):
${actionLines('member')}
About a group (${TARGET_FLAGS.group}):
${actionLines('group')}
About an account, in every group (${TARGET_FLAGS.account}):
${actionLines('account')}
Every action may take --reason <text>, --event-id <id> and --occurred-at <ISO-8601 date-time with a
time zone>.

The bridge (flags win over --outputs, which wins over the environment):
  --url <url>             the URL of POST /v1/events: the EventsUrl output       env BRIDGE_URL
  --outputs <file>        take EventsUrl from \`cdk deploy --outputs-file <file>\`
  --stack <name>          the stack in that file, when it holds several
  --auth iam|apiKey|webhook                                                     env BRIDGE_AUTH
                          default: apiKey when the outputs have an ApiKeyId, else iam
  --region <region>       iam (and status in webhook mode): the region to sign for; default: the
                          URL's, then AWS_REGION
Credentials, from the environment only (a flag would show in ps and in the shell's history), never
printed:
  iam       the default AWS credential chain: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, roles
  apiKey    BRIDGE_API_KEY
  webhook   BRIDGE_WEBHOOK_SECRET (whsec_...); status signs with iam instead, as the bridge
            checks SigV4 on GET /v1/events/{eventId} in webhook mode

Options:
  --json                  print one JSON object on stdout (use npm run -s, which prints no banner)
  --deadline <seconds>    give up retrying after this long; default 30
  --help                  show this text

Exit codes:
  0  accepted or duplicate (status: found)
  1  an unexpected answer or failure
  2  usage: a bad command line, or a missing or invalid setting
  3  rejected: the bridge answered 4xx (invalid event, eventId conflict, not authorized)
  4  gave up: every attempt failed with 429, 5xx or no answer; resend with --event-id <the printed id>
  5  status: no event with this eventId
`;

/** Where the bridge is and how to authenticate. */
export interface Connection {
  url: string;
  auth: BridgeAuth;
  deadlineMs: number;
}

/** A parsed command line. */
export type SendCommand =
  | { kind: 'help' }
  | { kind: 'send'; event: BridgeEvent; connection: Connection; json: boolean }
  | { kind: 'status'; eventId: string; connection: Connection; json: boolean };

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      group: { type: 'string' },
      account: { type: 'string', multiple: true },
      duration: { type: 'string' },
      role: { type: 'string' },
      'msg-flag': { type: 'string' },
      'name-card': { type: 'string' },
      data: { type: 'string', multiple: true },
      silent: { type: 'boolean' },
      'msg-seq': { type: 'string', multiple: true },
      scope: { type: 'string' },
      reason: { type: 'string' },
      'event-id': { type: 'string' },
      'occurred-at': { type: 'string' },
      url: { type: 'string' },
      outputs: { type: 'string' },
      stack: { type: 'string' },
      auth: { type: 'string' },
      region: { type: 'string' },
      deadline: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

/** The flags each action takes beyond its target and the common ones. */
const ACTION_FLAGS: Record<Action, readonly (keyof Values)[]> = {
  mute: ['duration'],
  unmute: [],
  set_role: ['role'],
  set_msg_flag: ['msg-flag'],
  set_name_card: ['name-card'],
  set_member_data: ['data'],
  remove: ['silent'],
  ban: ['duration'],
  unban: [],
  delete_messages: [],
  mute_all: [],
  unmute_all: [],
  recall: ['msg-seq'],
  mute_account: ['duration', 'scope'],
  unmute_account: ['scope'],
  kick: [],
};
const FIELD_FLAGS = new Set(Object.values(ACTION_FLAGS).flat());
const EVENT_FLAGS: readonly (keyof Values)[] = ['group', 'account', 'reason', 'event-id', 'occurred-at'];

const isAction = (name: string): name is Action => (ACTIONS as readonly string[]).includes(name);

/** The one `--account` of an action about one member or account. */
function accountOf(values: Values, action: Action): string {
  const accounts = values.account ?? [];
  const [account] = accounts;
  if (account === undefined) throw new UsageError('--account is required');
  if (accounts.length > 1) {
    throw new UsageError(
      `--account is given ${accounts.length} times: ${action} takes one; ${BULK_ACTIONS.join(', ')} take several (a bulk event)`,
    );
  }
  return account;
}

const required = (values: Values, flag: 'group' | 'role' | 'msg-flag' | 'name-card'): string => {
  const value = values[flag];
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return value;
};

/** A whole number of seconds from a flag. */
function secondsOf(values: Values): number {
  const raw = values.duration;
  if (raw === undefined) throw new UsageError('--duration is required');
  if (!/^\d+$/.test(raw)) throw new UsageError(`--duration must be whole seconds, got '${raw}'`);
  return Number(raw);
}

/** The scope of an account-wide mute, when given. */
function scopeOf(values: Values): { scope?: MuteScope } {
  if (values.scope === undefined) return {};
  const scope = MUTE_SCOPES.find((name): name is MuteScope => name === values.scope);
  if (scope === undefined) {
    throw new UsageError(`--scope must be one of ${MUTE_SCOPES.join(', ')}, got '${values.scope}'`);
  }
  return { scope };
}

/** Refuses a target flag the action's kind does not take (`--group` of an account, `--account` of a group). */
function checkTargetFlags(action: Action, values: Values): void {
  const kind = ACTION_TARGETS[action];
  if (kind === 'account' && values.group !== undefined) {
    throw new UsageError(`--group is not a field of ${action}: it is about an account in every group`);
  }
  if (kind === 'group' && values.account !== undefined) {
    throw new UsageError(`--account is not a field of ${action}: it is about a whole group`);
  }
}

/**
 * The event of an action's flags; the bridge checks the values' rules, the parser only their form.
 * The object is built loosely and the bridge's contract is the judge: a flag an action does not take
 * is refused here first, with the flag's name.
 */
function eventOf(action: Action, values: Values): BridgeEvent {
  for (const flag of FIELD_FLAGS) {
    if (values[flag] !== undefined && !ACTION_FLAGS[action].includes(flag)) {
      throw new UsageError(`--${flag} is not a field of ${action}`);
    }
  }
  const member = () => ({ groupId: required(values, 'group'), account: accountOf(values, action) });
  // A bulk action with --account given several times: one bulk event (`accounts`).
  const members = () => {
    const accounts = values.account ?? [];
    return accounts.length > 1
      ? { groupId: required(values, 'group'), accounts }
      : { groupId: required(values, 'group'), account: accountOf(values, action) };
  };
  checkTargetFlags(action, values);
  const common = {
    ...(values.reason === undefined ? {} : { reason: values.reason }),
    ...(values['event-id'] === undefined ? {} : { eventId: values['event-id'] }),
    ...(values['occurred-at'] === undefined ? {} : { occurredAt: values['occurred-at'] }),
  };
  switch (action) {
    case 'mute':
    case 'ban':
      return { ...common, ...members(), action, durationSeconds: secondsOf(values) };
    case 'unmute':
    case 'unban':
      return { ...common, ...members(), action };
    case 'delete_messages':
      return { ...common, ...member(), action };
    case 'set_role': {
      const role = required(values, 'role');
      if (role !== 'admin' && role !== 'member')
        throw new UsageError(`--role must be admin or member, got '${role}'`);
      return { ...common, ...member(), action, role };
    }
    case 'set_msg_flag': {
      const flag = required(values, 'msg-flag');
      const msgFlag = MSG_FLAGS.find((name): name is MsgFlag => name === flag);
      if (msgFlag === undefined)
        throw new UsageError(`--msg-flag must be one of ${MSG_FLAGS.join(', ')}, got '${flag}'`);
      return { ...common, ...member(), action, msgFlag };
    }
    case 'set_name_card':
      return { ...common, ...member(), action, nameCard: required(values, 'name-card') };
    case 'set_member_data': {
      const pairs = values.data ?? [];
      if (pairs.length === 0) throw new UsageError('--data <key>=<value> is required (once per field)');
      const data: Record<string, string> = Object.create(null);
      for (const pair of pairs) {
        const equals = pair.indexOf('=');
        if (equals <= 0) throw new UsageError(`--data must be <key>=<value>, got '${pair}'`);
        data[pair.slice(0, equals)] = pair.slice(equals + 1);
      }
      return { ...common, ...member(), action, data: { ...data } };
    }
    case 'remove':
      return { ...common, ...members(), action, ...(values.silent ? { silent: true } : {}) };
    case 'mute_all':
    case 'unmute_all':
      return { ...common, groupId: required(values, 'group'), action };
    case 'recall': {
      const seqs = values['msg-seq'] ?? [];
      if (seqs.length === 0) throw new UsageError('--msg-seq <n> is required (once per message)');
      const msgSeqs = seqs.map((seq) => {
        if (!/^\d+$/.test(seq)) throw new UsageError(`--msg-seq must be a whole number, got '${seq}'`);
        return Number(seq);
      });
      return { ...common, groupId: required(values, 'group'), action, msgSeqs };
    }
    case 'mute_account':
      return {
        ...common,
        account: accountOf(values, action),
        action,
        durationSeconds: secondsOf(values),
        ...scopeOf(values),
      };
    case 'unmute_account':
      return { ...common, account: accountOf(values, action), action, ...scopeOf(values) };
    case 'kick':
      return { ...common, account: accountOf(values, action), action };
  }
}

/**
 * Where the bridge is and how to authenticate, from the flags, the outputs file and the environment.
 * `status` in webhook mode signs with IAM: a webhook-mode bridge checks SigV4 on that route.
 */
function connectionOf(
  values: Values,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
  command: 'send' | 'status',
): Connection {
  const outputs =
    values.outputs === undefined ? {} : readStackOutputs(values.outputs, values.stack, readFile);
  const url = values.url ?? outputs.EventsUrl ?? (env.BRIDGE_URL || undefined);
  if (url === undefined) throw new UsageError('the bridge URL is not set (--url, --outputs or BRIDGE_URL)');
  const kind = values.auth ?? (env.BRIDGE_AUTH || undefined) ?? (outputs.ApiKeyId ? 'apiKey' : 'iam');
  const authKind = API_AUTH_MODES.find((name): name is ApiAuthMode => name === kind);
  if (authKind === undefined) {
    throw new UsageError(`--auth must be one of ${API_AUTH_MODES.join(', ')}, got '${kind}'`);
  }
  const secret = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new UsageError(`--auth ${authKind} needs ${name} set`);
    return value;
  };
  const signing = command === 'status' && authKind === 'webhook' ? 'iam' : authKind;
  let auth: BridgeAuth;
  switch (signing) {
    case 'iam':
      auth = { kind: 'iam', ...(values.region === undefined ? {} : { region: values.region }) };
      break;
    case 'apiKey':
      auth = { kind: 'apiKey', key: secret('BRIDGE_API_KEY') };
      break;
    case 'webhook':
      auth = { kind: 'webhook', secret: secret('BRIDGE_WEBHOOK_SECRET') };
      break;
  }
  if (values.region !== undefined && signing !== 'iam') {
    throw new UsageError('--region is for --auth iam (and for status with --auth webhook)');
  }
  const deadline = values.deadline ?? '30';
  if (!/^\d+(\.\d+)?$/.test(deadline) || Number(deadline) <= 0 || Number(deadline) > 3600) {
    throw new UsageError(`--deadline must be seconds from 0 to 3600, got '${deadline}'`);
  }
  return { url, auth, deadlineMs: Math.round(Number(deadline) * 1000) };
}

/**
 * Parses the command line.
 *
 * @param argv - the arguments after `send`, e.g. `['mute', '--group', 'g', '--account', 'bob', '--duration', '600']`
 * @param env - where `BRIDGE_URL`, `BRIDGE_AUTH`, `BRIDGE_API_KEY` and `BRIDGE_WEBHOOK_SECRET` are read
 * @param readFile - reads the `--outputs` file
 * @throws {@link UsageError} for an unknown action or flag, a missing field or setting, or a bad value
 */
export function parseSendCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SendCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === 'help') return { kind: 'help' };
  const json = values.json === true;
  if (name === 'status') {
    const [eventId] = rest;
    if (eventId === undefined || rest.length !== 1) throw new UsageError('status takes one eventId');
    for (const flag of [...FIELD_FLAGS, ...EVENT_FLAGS]) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is not an option of status`);
    }
    return { kind: 'status', eventId, connection: connectionOf(values, env, readFile, 'status'), json };
  }
  if (!isAction(name)) {
    throw new UsageError(`unknown action '${name}'; the actions are ${ACTIONS.join(', ')} (and status)`);
  }
  if (rest.length > 0) throw new UsageError(`${name} takes flags only; got ${rest.join(' ')}`);
  return {
    kind: 'send',
    event: eventOf(name, values),
    connection: connectionOf(values, env, readFile, 'send'),
    json,
  };
}

/** What running a command needs. */
export interface SendDependencies {
  /** Prints a line of the result (stdout). */
  out: (line: string) => void;
  /** Prints a line about failures and retries (stderr). */
  err: (line: string) => void;
  /** Passed to the client: tests give a fetch, a clock, a sleep. */
  client?: Pick<BridgeClientOptions, 'fetch' | 'now' | 'sleep' | 'random' | 'env'>;
}

function clientOf(connection: Connection, deps: SendDependencies): BridgeClient {
  return new BridgeClient({
    url: connection.url,
    auth: connection.auth,
    retry: { deadlineMs: connection.deadlineMs },
    onRetry: ({ attempt, delayMs, status, error }) => {
      const what = status === undefined ? `no answer (${describeNetworkError(error)})` : status;
      deps.err(`attempt ${attempt} failed: ${what}; retrying in ${delayMs} ms`);
    },
    ...deps.client,
  });
}

/** What an event is about, in words: `of bob in g1`, `of group g1`, `of account bob`. */
function targetText(item: Pick<EventStatus, 'groupId' | 'account'>): string {
  if (item.groupId !== undefined && item.account !== undefined)
    return `of ${item.account} in ${item.groupId}`;
  return item.groupId !== undefined ? `of group ${item.groupId}` : `of account ${item.account ?? '?'}`;
}

function formatStatus(item: EventStatus): string[] {
  const lines = [
    `${item.eventId}  ${item.status}  attempts ${item.attempts}  updated ${item.updatedAt}`,
    `  ${item.action} ${targetText(item)}, accepted ${item.acceptedAt}`,
  ];
  if (item.lastError !== undefined) {
    const code = item.lastError.code === undefined ? '' : `${item.lastError.code} `;
    lines.push(`  last error: ${code}${item.lastError.info} (${item.lastError.at})`);
  }
  if (item.nextAttemptAt !== undefined) lines.push(`  next attempt at ${item.nextAttemptAt}`);
  if (item.recalled !== undefined) lines.push(`  recalled: ${item.recalled.join(', ')}`);
  for (const entry of item.history) {
    const details = [
      entry.attempt === undefined ? '' : `attempt ${entry.attempt}`,
      entry.code === undefined ? '' : `code ${entry.code}`,
      entry.info ?? '',
    ].filter(Boolean);
    lines.push(`    ${entry.at}  ${entry.outcome}${details.length > 0 ? `  ${details.join('  ')}` : ''}`);
  }
  return lines;
}

/**
 * Runs a parsed command.
 * @returns the process exit code ({@link EXIT})
 */
export async function runSendCommand(command: SendCommand, deps: SendDependencies): Promise<number> {
  if (command.kind === 'help') {
    deps.out(USAGE);
    return EXIT.ok;
  }
  const { json } = command;
  const print = (payload: Record<string, unknown>, human: () => void): void => {
    if (json) deps.out(JSON.stringify(payload));
    else human();
  };
  let client: BridgeClient;
  try {
    client = clientOf(command.connection, deps);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(error.message);
  }
  try {
    if (command.kind === 'status') {
      const item = await client.status(command.eventId);
      if (item === undefined) {
        print({ outcome: 'not_found', eventId: command.eventId }, () =>
          deps.err(`no event with eventId ${command.eventId}`),
        );
        return EXIT.notFound;
      }
      print({ outcome: 'found', event: item }, () => {
        for (const line of formatStatus(item)) deps.out(line);
      });
      return EXIT.ok;
    }
    const { results, attempts } = await client.send(command.event);
    const [result] = results;
    if (result === undefined) throw new Error('the client returned no result for the event');
    print({ outcome: result.outcome, eventId: result.eventId, attempts }, () => {
      const retried = attempts > 1 ? ` (after ${attempts} attempts)` : '';
      deps.out(
        result.outcome === 'accepted'
          ? `accepted  ${result.eventId}${retried}`
          : `duplicate ${result.eventId}: the bridge already had this event; not applied again${retried}`,
      );
      deps.out(`what became of it: npm run send -- status ${result.eventId}`);
    });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BridgeRejectedError) {
      print(
        {
          outcome: 'rejected',
          status: error.status,
          message: error.message,
          issues: error.issues,
          issueCount: error.issueCount,
          conflicts: error.conflicts,
        },
        () => {
          deps.err(`rejected (${error.status}): ${error.message}`);
          for (const issue of error.issues) deps.err(`  ${issue.path}: ${issue.rule}`);
          for (const conflict of error.conflicts) {
            deps.err(`  eventId ${conflict.eventId} was already used for another event`);
          }
        },
      );
      return EXIT.rejected;
    }
    if (error instanceof RetriesExhaustedError) {
      const eventId = error.eventIds[0] ?? '';
      print(
        {
          outcome: 'gave_up',
          eventId,
          attempts: error.attempts,
          lastStatus: error.lastStatus ?? null,
          message: error.message,
        },
        () => {
          deps.err(error.message);
          if (command.kind === 'send') {
            deps.err(
              `the event may have reached the bridge: resend with --event-id ${eventId} (a duplicate is never applied twice), or check with: npm run send -- status ${eventId}`,
            );
          }
        },
      );
      return EXIT.gaveUp;
    }
    if (error instanceof ConfigError) throw new UsageError(error.message);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    print({ outcome: 'failed', message }, () => deps.err(`send: ${message}`));
    return EXIT.failed;
  }
}
