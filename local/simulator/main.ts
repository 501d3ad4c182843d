/**
 * `npm run simulator -- [flags]`: the Tencent Cloud Chat simulator on its own, on 127.0.0.1.
 * `--help` lists the flags.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeOnSignals } from '../signals.ts';
import {
  apiUrl,
  DEFAULT_ADMIN,
  DEFAULT_PORT,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  type FaultConfig,
  FORBID_PATH,
  loadSeedFile,
  parseFaultConfig,
  signUserSig,
  startSimulator,
} from './index.ts';

const EXAMPLE_SEED = fileURLToPath(new URL('./seed.example.json', import.meta.url));

const HELP = `Tencent Cloud Chat simulator on 127.0.0.1: modify_group_member_info, forbid_send_msg,
delete_group_member, ban_group_member, unban_group_member, get_group_ban_member, modify_group_base_info,
group_msg_recall, delete_group_msg_by_sender, openconfigsvr/setnospeaking and getnospeaking, im_open_login_svc/kick

  --port N                 port (default ${DEFAULT_PORT}; 0 = any free port)
  --backup-port N          also listen here, standing for the region's backup domain (default: no backup)
  --sdkappid N             SDKAppID (default ${DEFAULT_SDK_APP_ID})
  --secret-key KEY         key UserSigs are signed with (default the dev key '${DEFAULT_SECRET_KEY}')
  --admin NAME             app admin identifier; repeat for more (default '${DEFAULT_ADMIN}')
  --seed FILE              groups to start with (default local/simulator/seed.example.json)
  --rate-limit N           calls per second before 60007 (default 200)
  --rate-window W          sliding | fixed (default sliding)
  --member-keys K1,K2      AppMemberDefinedData keys allowed (default any)
  --accounts A1,A2         accounts the app knows besides the seed's members (kick answers 70107 to others)
  --bans-disabled          the edition or console switch does not allow bans: the ban APIs answer 10059
  --fault-seed N           PRNG seed for the fault shares
  --error-rate R           share of calls answered 10002 (0..1)
  --error-code N           code for --error-rate (default 10002)
  --http-rate R            share of calls answered HTTP 502
  --timeout-rate R         share of calls held without an answer
  --timeout-ms N           how long a held call is held before the connection is dropped (default: until closed)
  --drop-rate R            share of calls whose connection is destroyed
  --apply-before-fault R   share of faulted calls that are applied first ("applied, answer lost"; 0..1)
  --latency-ms N           latency added to every call
  --latency-jitter-ms N    random extra latency, 0..N ms
  --help                   this text

Control API: GET /_sim/stats, GET /_sim/calls, GET|POST /_sim/faults, POST /_sim/faults/script, POST /_sim/reset,
GET|POST /_sim/groups, GET|POST /_sim/groups/{urlencoded id} (muteAllMember, recallUnsupported),
GET|POST /_sim/groups/{id}/members (join), GET|POST /_sim/groups/{id}/bans, GET|POST /_sim/groups/{id}/messages,
GET|POST /_sim/accounts, GET|POST /_sim/nospeaking, GET /_sim/kicks, GET /_sim/removals, GET|POST /_sim/settings,
GET /_sim/domains, POST /_sim/domains/main (or /backup) {"reachable": false} to refuse connections, true to listen again.`;

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value))
    throw new Error(`--${flag} must be a number, got '${raw}'`);
  return value;
}

function faultsFrom(values: Readonly<Record<string, unknown>>): FaultConfig {
  const flag = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const applyBeforeFault = number('apply-before-fault', flag('apply-before-fault'));
  const rate = (name: string) => {
    const value = number(name, flag(name));
    return value === undefined ? undefined : { rate: value, applyBeforeFault };
  };
  const latencyMs = number('latency-ms', flag('latency-ms'));
  const jitterMs = number('latency-jitter-ms', flag('latency-jitter-ms'));
  const error = rate('error-rate');
  const timeout = rate('timeout-rate');
  const errorCode = number('error-code', flag('error-code'));
  const holdMs = number('timeout-ms', flag('timeout-ms'));
  return parseFaultConfig({
    seed: number('fault-seed', flag('fault-seed')),
    latency: latencyMs === undefined && jitterMs === undefined ? undefined : { ms: latencyMs ?? 0, jitterMs },
    error: error && { ...error, code: errorCode },
    http: rate('http-rate'),
    timeout: timeout && { ...timeout, holdMs },
    drop: rate('drop-rate'),
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'backup-port': { type: 'string' },
      sdkappid: { type: 'string' },
      'secret-key': { type: 'string' },
      admin: { type: 'string', multiple: true },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-window': { type: 'string' },
      'member-keys': { type: 'string' },
      accounts: { type: 'string' },
      'bans-disabled': { type: 'boolean' },
      'fault-seed': { type: 'string' },
      'error-rate': { type: 'string' },
      'error-code': { type: 'string' },
      'http-rate': { type: 'string' },
      'timeout-rate': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'drop-rate': { type: 'string' },
      'apply-before-fault': { type: 'string' },
      'latency-ms': { type: 'string' },
      'latency-jitter-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const rateWindow = values['rate-window'] ?? 'sliding';
  if (rateWindow !== 'sliding' && rateWindow !== 'fixed')
    throw new Error('--rate-window must be sliding or fixed');
  const sdkAppId = number('sdkappid', values.sdkappid) ?? DEFAULT_SDK_APP_ID;
  const secretKey = values['secret-key'] ?? DEFAULT_SECRET_KEY;
  const admins = values.admin ?? [DEFAULT_ADMIN];
  const seedFile = values.seed ?? EXAMPLE_SEED;
  const groups = await loadSeedFile(seedFile);

  const sim = await startSimulator({
    port: number('port', values.port) ?? DEFAULT_PORT,
    ...(values['backup-port'] === undefined
      ? {}
      : { backup: { port: number('backup-port', values['backup-port']) } }),
    sdkAppId,
    secretKey,
    admins,
    groups,
    limitPerSecond: number('rate-limit', values['rate-limit']),
    rateLimitWindow: rateWindow,
    memberDefinedKeys: values['member-keys']?.split(',').map((key) => key.trim()),
    accounts: values.accounts?.split(',').map((account) => account.trim()),
    ...(values['bans-disabled'] ? { settings: { banEnabled: false } } : {}),
    faults: faultsFrom(values),
  });

  const admin = admins[0] ?? DEFAULT_ADMIN;
  const userSig = signUserSig({ sdkAppId, secretKey, identifier: admin, expireSeconds: 86_400 });
  const firstGroup = groups.find((group) => group.type !== 'AVChatRoom');
  const firstMember = firstGroup?.members?.[0];
  const account = typeof firstMember === 'string' ? firstMember : (firstMember?.account ?? 'bob');
  const groupId = firstGroup?.groupId ?? '@TGS#2CLUZEAEJ';
  console.log(
    `Tencent Chat simulator listening on ${sim.url} (sdkappid ${sdkAppId}, admins ${admins.join(', ')})`,
  );
  if (sim.backupUrl !== undefined) console.log(`Backup domain listening on ${sim.backupUrl}`);
  const { script: _script, ...faults } = sim.faults();
  const faultText = Object.keys(faults).length > 0 ? JSON.stringify(faults) : 'none';
  console.log(`Seed: ${seedFile} (${groups.length} groups); faults: ${faultText}`);
  console.log('\nMute a member for an hour (UserSig valid 24 h):');
  console.log(
    `  curl -s -X POST '${apiUrl(sim.url, { sdkAppId, identifier: admin, userSig })}' \\\n` +
      `    -d '${JSON.stringify({ GroupId: groupId, Member_Account: account, MuteTime: 3600 })}'`,
  );
  const live = groups.find((group) => group.type === 'AVChatRoom');
  const audience = (live?.members ?? []).map((member) =>
    typeof member === 'string' ? member : member.account,
  );
  if (live && audience.length > 0) {
    console.log('\nMute members of a live-stream (AVChatRoom) group, which only forbid_send_msg can do:');
    console.log(
      `  curl -s -X POST '${apiUrl(sim.url, { sdkAppId, identifier: admin, userSig }, FORBID_PATH)}' \\\n` +
        `    -d '${JSON.stringify({ GroupId: live.groupId, Members_Account: audience.slice(0, 2), MuteTime: 600 })}'`,
    );
  }
  console.log('\nSee the members:');
  console.log(`  curl -s ${sim.url}/_sim/groups/${encodeURIComponent(groupId)}/members`);
  console.log(`Counters: curl -s ${sim.url}/_sim/stats\n`);

  closeOnSignals(
    () => sim.close(),
    (signal) => `${signal}: stopping; ${JSON.stringify(sim.stats)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
