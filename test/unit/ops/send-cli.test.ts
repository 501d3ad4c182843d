import { ACTIONS, validateEvents } from '#shared/contract';
import { UsageError } from '#shared/errors';
import {
  ACTION_HELP,
  EXIT,
  parseSendCommand,
  runSendCommand,
  type SendCommand,
  type SendDependencies,
  USAGE,
} from '../../../ops/send-cli.ts';

const URL_ = 'https://abc123.execute-api.ap-southeast-1.amazonaws.com/dev/v1/events';
const KEY = 'api-key-that-must-never-be-printed';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ENV = { BRIDGE_URL: URL_, BRIDGE_AUTH: 'apiKey', BRIDGE_API_KEY: KEY };
const MEMBER = ['--group', '@TGS#2CLUZEAEJ', '--account', 'bob'];

const parse = (argv: string[], env: Record<string, string> = ENV, outputs = '{}') =>
  parseSendCommand(argv, env, () => outputs);

/** The usage error a command line is refused with (fails the test if it is taken). */
const usageErrorOf = (argv: string[], env: Record<string, string> = ENV, outputs = '{}'): string => {
  try {
    parse(argv, env, outputs);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`taken: ${argv.join(' ')}`);
};

const eventOf = (command: SendCommand) => {
  if (command.kind !== 'send') throw new Error(`not a send: ${command.kind}`);
  return command.event;
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Runs a command line against a scripted fetch: the exit code, stdout and stderr lines, and what was sent. */
type Reply = Response | Error | ((body: { events: { eventId: string }[] }) => Response);

async function run(argv: string[], replies: Reply[], env: Record<string, string> = ENV) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: { url: string; body: unknown; headers: Record<string, string> }[] = [];
  let now = Date.parse('2026-01-31T12:00:00Z');
  const deps: SendDependencies = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    client: {
      fetch: async (input, init) => {
        const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
        sent.push({ url: String(input), body, headers: Object.fromEntries(new Headers(init?.headers)) });
        const reply = replies.shift();
        if (reply === undefined || reply instanceof Error) throw reply ?? new Error('no more replies');
        return typeof reply === 'function' ? reply(body) : reply;
      },
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      random: () => 0.5,
    },
  };
  const code = await runSendCommand(parse(argv, env), deps);
  return { code, out, err, sent };
}

describe('parseSendCommand', () => {
  it('makes each action of the contract from its flags', () => {
    // Act
    const events = [
      eventOf(parse(['mute', ...MEMBER, '--duration', '600', '--reason', 'spam'])),
      eventOf(parse(['unmute', ...MEMBER, '--event-id', 'evt-1', '--occurred-at', '2026-01-31T11:00:00Z'])),
      eventOf(parse(['set_role', ...MEMBER, '--role', 'admin'])),
      eventOf(parse(['set_msg_flag', ...MEMBER, '--msg-flag', 'Discard'])),
      eventOf(parse(['set_name_card', ...MEMBER, '--name-card', 'Bob (muted)'])),
      eventOf(parse(['set_member_data', ...MEMBER, '--data', 'level=gold', '--data', 'note=a=b'])),
    ];

    // Assess
    const member = { groupId: '@TGS#2CLUZEAEJ', account: 'bob' };
    expect(events).toEqual([
      { ...member, action: 'mute', durationSeconds: 600, reason: 'spam' },
      { ...member, action: 'unmute', eventId: 'evt-1', occurredAt: '2026-01-31T11:00:00Z' },
      { ...member, action: 'set_role', role: 'admin' },
      { ...member, action: 'set_msg_flag', msgFlag: 'Discard' },
      { ...member, action: 'set_name_card', nameCard: 'Bob (muted)' },
      { ...member, action: 'set_member_data', data: { level: 'gold', note: 'a=b' } },
    ]);
    expect(validateEvents({ events }, new Date('2026-01-31T12:00:00Z'))).toHaveLength(6);
  });

  it('makes each moderation action from its flags, with only its target', () => {
    // Act
    const events = [
      eventOf(parse(['remove', ...MEMBER, '--silent', '--reason', 'spam'])),
      eventOf(parse(['ban', ...MEMBER, '--duration', '86400'])),
      eventOf(parse(['unban', ...MEMBER])),
      eventOf(parse(['delete_messages', ...MEMBER])),
      eventOf(parse(['mute_all', '--group', '@TGS#2CLUZEAEJ'])),
      eventOf(parse(['unmute_all', '--group', '@TGS#2CLUZEAEJ'])),
      eventOf(parse(['recall', '--group', '@TGS#2CLUZEAEJ', '--msg-seq', '101', '--msg-seq', '102'])),
      eventOf(parse(['mute_account', '--account', 'bob', '--duration', '3600', '--scope', 'groups'])),
      eventOf(parse(['unmute_account', '--account', 'bob'])),
      eventOf(parse(['kick', '--account', 'bob'])),
    ];

    // Assess
    const member = { groupId: '@TGS#2CLUZEAEJ', account: 'bob' };
    expect(events).toEqual([
      { ...member, action: 'remove', silent: true, reason: 'spam' },
      { ...member, action: 'ban', durationSeconds: 86400 },
      { ...member, action: 'unban' },
      { ...member, action: 'delete_messages' },
      { groupId: member.groupId, action: 'mute_all' },
      { groupId: member.groupId, action: 'unmute_all' },
      { groupId: member.groupId, action: 'recall', msgSeqs: [101, 102] },
      { account: 'bob', action: 'mute_account', durationSeconds: 3600, scope: 'groups' },
      { account: 'bob', action: 'unmute_account' },
      { account: 'bob', action: 'kick' },
    ]);
    expect(validateEvents({ events }, new Date('2026-01-31T12:00:00Z'))).toHaveLength(10);
  });

  it('refuses a target flag the action does not take, and a bad recall or scope, naming the flag', () => {
    expect(usageErrorOf(['kick', ...MEMBER])).toBe(
      '--group is not a field of kick: it is about an account in every group',
    );
    expect(usageErrorOf(['mute_all', ...MEMBER])).toBe(
      '--account is not a field of mute_all: it is about a whole group',
    );
    expect(usageErrorOf(['recall', '--group', 'g'])).toBe('--msg-seq <n> is required (once per message)');
    expect(usageErrorOf(['recall', '--group', 'g', '--msg-seq', 'x1'])).toBe(
      "--msg-seq must be a whole number, got 'x1'",
    );
    expect(usageErrorOf(['mute_account', '--account', 'bob', '--duration', '1', '--scope', 'dm'])).toBe(
      "--scope must be one of all, groups, direct, got 'dm'",
    );
    expect(usageErrorOf(['remove', ...MEMBER, '--duration', '1'])).toBe(
      '--duration is not a field of remove',
    );
    expect(usageErrorOf(['ban', ...MEMBER])).toBe('--duration is required');
  });

  it('makes one bulk event of --account given several times, for the actions that take accounts only', () => {
    // Act
    const bulk = eventOf(
      parse(['ban', '--group', 'g', '--account', 'bot-1', '--account', 'bot-2', '--duration', '60']),
    );

    // Assess
    expect(bulk).toEqual({ groupId: 'g', accounts: ['bot-1', 'bot-2'], action: 'ban', durationSeconds: 60 });
    expect(validateEvents(bulk, new Date())).toHaveLength(1);
    expect(eventOf(parse(['unban', '--group', 'g', '--account', 'bot-1']))).toEqual({
      groupId: 'g',
      account: 'bot-1',
      action: 'unban',
    });
    expect(usageErrorOf(['set_role', ...MEMBER, '--account', 'eve', '--role', 'admin'])).toBe(
      '--account is given 2 times: set_role takes one; mute, unmute, remove, ban, unban take several (a bulk event)',
    );
    expect(usageErrorOf(['kick', '--account', 'a', '--account', 'b'])).toMatch(/^--account is given 2 times/);
  });

  it('lists every action in --help with an example each, and each example parses', () => {
    for (const action of ACTIONS) {
      const { example } = ACTION_HELP[action];
      expect(USAGE).toContain(`npm run send -- ${example}`);
      // The example, split as a shell would (quotes hold one argument).
      const argv = (example.match(/'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^'(.*)'$/, '$1'));
      expect(eventOf(parse(argv))).toMatchObject({ action });
    }
  });

  it('refuses what is not a valid command line, naming the flag', () => {
    expect(usageErrorOf(['promote', ...MEMBER])).toBe(
      "unknown action 'promote'; the actions are mute, unmute, set_role, set_msg_flag, set_name_card, set_member_data, remove, ban, unban, delete_messages, mute_all, unmute_all, recall, mute_account, unmute_account, kick (and status)",
    );
    expect(usageErrorOf(['mute', '--account', 'bob', '--duration', '1'])).toBe('--group is required');
    expect(usageErrorOf(['mute', ...MEMBER])).toBe('--duration is required');
    expect(usageErrorOf(['mute', ...MEMBER, '--duration', '10m'])).toBe(
      "--duration must be whole seconds, got '10m'",
    );
    expect(usageErrorOf(['mute', ...MEMBER, '--duration', '1', '--role', 'admin'])).toBe(
      '--role is not a field of mute',
    );
    expect(usageErrorOf(['set_role', ...MEMBER, '--role', 'owner'])).toBe(
      "--role must be admin or member, got 'owner'",
    );
    expect(usageErrorOf(['set_msg_flag', ...MEMBER, '--msg-flag', 'Mute'])).toBe(
      "--msg-flag must be one of AcceptAndNotify, Discard, AcceptNotNotify, got 'Mute'",
    );
    expect(usageErrorOf(['set_member_data', ...MEMBER, '--data', 'level'])).toBe(
      "--data must be <key>=<value>, got 'level'",
    );
    expect(usageErrorOf(['status'])).toBe('status takes one eventId');
    expect(usageErrorOf(['status', 'e1', '--group', 'g'])).toBe('--group is not an option of status');
    expect(usageErrorOf(['unmute', ...MEMBER, '--api-key', KEY])).toMatch(/^Unknown option '--api-key'/);
  });

  it('takes the URL from --url over --outputs over BRIDGE_URL', () => {
    // Prepare
    const outputs = JSON.stringify({
      'ModerationBridge-dev-singapore': { EventsUrl: 'https://from-outputs/v1/events' },
    });
    const env = { ...ENV, BRIDGE_URL: 'https://from-env/v1/events' };
    const urlOf = (command: SendCommand) => (command.kind === 'help' ? '' : command.connection.url);

    // Act
    const fromEnv = parse(['status', 'e1'], env, outputs);
    const fromOutputs = parse(['status', 'e1', '--outputs', 'o.json'], env, outputs);
    const fromFlag = parse(
      ['status', 'e1', '--outputs', 'o.json', '--url', 'https://from-flag/v1/events'],
      env,
      outputs,
    );

    // Assess
    expect([urlOf(fromEnv), urlOf(fromOutputs), urlOf(fromFlag)]).toEqual([
      'https://from-env/v1/events',
      'https://from-outputs/v1/events',
      'https://from-flag/v1/events',
    ]);
    expect(usageErrorOf(['status', 'e1'], {})).toBe(
      'the bridge URL is not set (--url, --outputs or BRIDGE_URL)',
    );
    expect(usageErrorOf(['status', 'e1', '--outputs', 'o.json'], {}, '{"a": {}, "b": {}}')).toBe(
      'choose a stack with --stack; o.json holds: a, b',
    );
  });

  it('signs with IAM by default, with an API key when the outputs name one, and reads secrets only from the environment', () => {
    // Prepare
    const outputs = JSON.stringify({ s: { EventsUrl: URL_, ApiKeyId: 'k1abc' } });
    const authOf = (command: SendCommand) => (command.kind === 'help' ? undefined : command.connection.auth);

    // Act
    const iam = parse(['status', 'e1', '--region', 'eu-west-1'], { BRIDGE_URL: URL_ });
    const apiKey = parse(['status', 'e1', '--outputs', 'o.json'], { BRIDGE_API_KEY: KEY }, outputs);
    const webhook = parse(['mute', ...MEMBER, '--duration', '600', '--auth', 'webhook'], {
      BRIDGE_URL: URL_,
      BRIDGE_WEBHOOK_SECRET: SECRET,
    });
    // A webhook-mode bridge checks SigV4 on GET: status signs with IAM and needs no webhook secret.
    const webhookStatus = parse(['status', 'e1', '--auth', 'webhook', '--region', 'eu-west-1'], {
      BRIDGE_URL: URL_,
    });

    // Assess
    expect(authOf(iam)).toEqual({ kind: 'iam', region: 'eu-west-1' });
    expect(authOf(apiKey)).toEqual({ kind: 'apiKey', key: KEY });
    expect(authOf(webhook)).toEqual({ kind: 'webhook', secret: SECRET });
    expect(authOf(webhookStatus)).toEqual({ kind: 'iam', region: 'eu-west-1' });
    expect(
      usageErrorOf(['mute', ...MEMBER, '--duration', '600', '--auth', 'webhook'], { BRIDGE_URL: URL_ }),
    ).toBe('--auth webhook needs BRIDGE_WEBHOOK_SECRET set');
    expect(usageErrorOf(['unmute', ...MEMBER, '--region', 'eu-west-1'])).toBe(
      '--region is for --auth iam (and for status with --auth webhook)',
    );
    expect(usageErrorOf(['status', 'e1', '--outputs', 'o.json'], {}, outputs)).toBe(
      '--auth apiKey needs BRIDGE_API_KEY set',
    );
    expect(usageErrorOf(['status', 'e1', '--auth', 'basic'])).toBe(
      "--auth must be one of iam, apiKey, webhook, got 'basic'",
    );
    expect(usageErrorOf(['status', 'e1', '--deadline', '0'])).toBe(
      "--deadline must be seconds from 0 to 3600, got '0'",
    );
  });

  it('shows the help for --help or no action', () => {
    expect(parse(['--help'])).toEqual({ kind: 'help' });
    expect(parse([])).toEqual({ kind: 'help' });
    expect(USAGE).toContain('4  gave up');
  });
});

describe('runSendCommand', () => {
  const mute = ['mute', ...MEMBER, '--duration', '600'];

  it('exits 0 with the eventId the client made, in JSON, and 0 for a duplicate', async () => {
    // Act
    const accepted = await run(
      [...mute, '--json'],
      [(body) => json(202, { accepted: body.events.map(({ eventId }) => ({ eventId })) })],
    );
    const again = await run(
      [...mute, '--event-id', 'e1'],
      [json(202, { accepted: [{ eventId: 'e1', duplicate: true }] })],
    );

    // Assess
    expect(accepted.code).toBe(EXIT.ok);
    const printed = JSON.parse(accepted.out[0] ?? '');
    expect(printed).toEqual({
      outcome: 'accepted',
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      attempts: 1,
    });
    expect(accepted.sent[0]?.body).toEqual({
      events: [
        {
          groupId: '@TGS#2CLUZEAEJ',
          account: 'bob',
          action: 'mute',
          durationSeconds: 600,
          eventId: printed.eventId,
        },
      ],
    });
    expect(again.code).toBe(EXIT.ok);
    expect(again.out).toEqual([
      'duplicate e1: the bridge already had this event; not applied again',
      'what became of it: npm run send -- status e1',
    ]);
  });

  it('exits 1 for an answer it cannot read', async () => {
    // Act
    const result = await run([...mute, '--json'], [json(202, { accepted: [{ eventId: 'another' }] })]);

    // Assess
    expect(result.code).toBe(EXIT.failed);
    expect(JSON.parse(result.out[0] ?? '')).toEqual({
      outcome: 'failed',
      message: 'UnexpectedAnswerError: the bridge accepted the events but its answer does not list them',
    });
  });

  it('prints accepted, retried, in JSON', async () => {
    // Act
    const result = await run(
      [...mute, '--event-id', 'e2', '--json'],
      [
        json(503, { message: 'the event ledger could not be reached' }),
        json(202, { accepted: [{ eventId: 'e2' }] }),
      ],
    );

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.out.map((line) => JSON.parse(line))).toEqual([
      { outcome: 'accepted', eventId: 'e2', attempts: 2 },
    ]);
    expect(result.err).toEqual(['attempt 1 failed: 503; retrying in 100 ms']);
  });

  it('exits 3 for a 4xx, with the issues', async () => {
    // Prepare
    const body = {
      message: 'invalid request: 1 invalid field',
      issues: [{ path: 'events[0].durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
      issueCount: 1,
    };

    // Act
    const human = await run(['mute', ...MEMBER, '--duration', '0'], [json(400, body)]);
    const machine = await run(['mute', ...MEMBER, '--duration', '0', '--json'], [json(400, body)]);

    // Assess
    expect(human.code).toBe(EXIT.rejected);
    expect(human.err).toEqual([
      'rejected (400): invalid request: 1 invalid field',
      '  events[0].durationSeconds: must be an integer from 1 to 4294967295',
    ]);
    expect(machine.code).toBe(EXIT.rejected);
    expect(JSON.parse(machine.out[0] ?? '')).toEqual({
      outcome: 'rejected',
      status: 400,
      ...body,
      conflicts: [],
    });
  });

  it('exits 4 when every attempt failed, naming the eventId to resend, and never prints the key', async () => {
    // Prepare
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });

    // Act
    const result = await run([...mute, '--event-id', 'e3', '--deadline', '2'], Array(20).fill(refused));

    // Assess
    expect(result.code).toBe(EXIT.gaveUp);
    expect(result.err.at(-1)).toBe(
      'the event may have reached the bridge: resend with --event-id e3 (a duplicate is never applied twice), or check with: npm run send -- status e3',
    );
    expect(result.err[0]).toBe(
      'attempt 1 failed: no answer (fetch failed: connect ECONNREFUSED 127.0.0.1:1); retrying in 100 ms',
    );
    expect([...result.out, ...result.err].join('\n')).not.toContain(KEY);
  });

  it('shows a status (signed with SigV4 in webhook mode), exits 5 for an unknown event, and never prints the webhook secret', async () => {
    // Prepare
    const item = {
      eventId: 'e1',
      status: 'retrying',
      groupId: 'g',
      account: 'bob',
      action: 'mute',
      acceptedAt: '2026-01-31T12:00:00.000Z',
      updatedAt: '2026-01-31T12:00:02.000Z',
      attempts: 1,
      lastError: { code: 10002, info: 'internal error', at: '2026-01-31T12:00:02.000Z' },
      nextAttemptAt: '2026-01-31T12:00:04.000Z',
      history: [
        {
          at: '2026-01-31T12:00:02.000Z',
          outcome: 'retrying',
          attempt: 1,
          code: 10002,
          info: 'internal error',
        },
      ],
    };
    const env = { BRIDGE_URL: URL_, BRIDGE_AUTH: 'webhook', BRIDGE_WEBHOOK_SECRET: SECRET };

    // Act
    const found = await run(['status', 'e1'], [json(200, item)], env);
    const machine = await run(['status', 'e1', '--json'], [json(200, item)], env);
    const missing = await run(
      ['status', 'e9', '--json'],
      [json(404, { message: 'no event with this eventId' })],
      env,
    );

    // Assess
    expect(found.code).toBe(EXIT.ok);
    expect(found.out).toEqual([
      'e1  retrying  attempts 1  updated 2026-01-31T12:00:02.000Z',
      '  mute of bob in g, accepted 2026-01-31T12:00:00.000Z',
      '  last error: 10002 internal error (2026-01-31T12:00:02.000Z)',
      '  next attempt at 2026-01-31T12:00:04.000Z',
      '    2026-01-31T12:00:02.000Z  retrying  attempt 1  code 10002  internal error',
    ]);
    expect(found.sent[0]?.url).toBe(`${URL_}/e1`);
    expect(found.sent[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=[^/]+\/20260131\/ap-southeast-1\/execute-api\/aws4_request, /,
    );
    expect(JSON.parse(machine.out[0] ?? '')).toEqual({ outcome: 'found', event: item });
    expect(missing.code).toBe(EXIT.notFound);
    expect(JSON.parse(missing.out[0] ?? '')).toEqual({ outcome: 'not_found', eventId: 'e9' });
    expect(
      [found, machine, missing].flatMap((result) => [...result.out, ...result.err]).join('\n'),
    ).not.toContain(SECRET.slice(6));
  });

  it('turns a setting the client refuses into a usage error', async () => {
    // Act
    const attempt = run(['status', 'e1'], [], {
      BRIDGE_URL: 'http://bridge.example.com/v1/events',
      BRIDGE_API_KEY: KEY,
      BRIDGE_AUTH: 'apiKey',
    });

    // Assess
    await expect(attempt).rejects.toThrow(
      new UsageError('the bridge URL must be https (plain http only for 127.0.0.1), got bridge.example.com'),
    );
  });
});
