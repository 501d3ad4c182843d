import { randomInt } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { MsgFlag } from '../contract/index.ts';
import { EndpointPreference, FAILOVER, type FailoverEvent, hostOf } from './failover.ts';
import { type Agents, createAgents, type SendOutcome, send } from './transport.ts';

/** The path of the API, below the region's domain. */
export const MODIFY_GROUP_MEMBER_INFO_PATH = '/v4/group_open_http_svc/modify_group_member_info';

/** The path of the bulk mute API (`forbid_send_msg`), below the region's domain. */
export const FORBID_SEND_MSG_PATH = '/v4/group_open_http_svc/forbid_send_msg';

/** Accounts one `forbid_send_msg` call may carry, as Tencent documents it. */
export const FORBID_SEND_MSG_MAX_ACCOUNTS = 500;

/** The admin identity a call is made with. */
export interface TencentCredentials {
  sdkAppId: number;
  /** An App admin account. */
  identifier: string;
  /** A TLSSigAPIv2 UserSig of `identifier`. Secret: never log it. */
  userSig: string;
}

/** The request body of `modify_group_member_info`, as Tencent documents it. */
export interface ModifyGroupMemberInfoBody {
  GroupId: string;
  Member_Account: string;
  Role?: 'Admin' | 'Member';
  MsgFlag?: MsgFlag;
  NameCard?: string;
  AppMemberDefinedData?: { Key: string; Value: string }[];
  /** Seconds of muting from when Tencent processes the call; 0 unmutes. */
  MuteTime?: number;
}

/** The request body of `forbid_send_msg`, as Tencent documents it. */
export interface ForbidSendMsgBody {
  GroupId: string;
  /** 1 to {@link FORBID_SEND_MSG_MAX_ACCOUNTS} accounts of the group. */
  Members_Account: string[];
  /** Seconds of muting from when Tencent processes the call; 0 unmutes. */
  MuteTime: number;
}

/**
 * The request body of `delete_group_member`: at most {@link MAX_ACCOUNTS_PER_CALL}`.delete_group_member`
 * accounts; `Silence: 1` removes without the removal notice; `Reason` is shown in it.
 */
export interface DeleteGroupMemberBody {
  GroupId: string;
  MemberToDel_Account: string[];
  Silence?: 1;
  Reason?: string;
}

/** The request body of `ban_group_member`: `Duration` seconds (uint32), `Description` at most 1,000 bytes. */
export interface BanGroupMemberBody {
  GroupId: string;
  Members_Account: string[];
  Duration: number;
  Description?: string;
}

/** The request body of `unban_group_member`. */
export interface UnbanGroupMemberBody {
  GroupId: string;
  Members_Account: string[];
}

/** The request body of `modify_group_base_info`, for muting the whole group (`MuteAllMember`). */
export interface ModifyGroupBaseInfoBody {
  GroupId: string;
  MuteAllMember: 'On' | 'Off';
}

/** The request body of `group_msg_recall`: at most 10 messages; `Reason` at most 100 bytes. */
export interface GroupMsgRecallBody {
  GroupId: string;
  MsgSeqList: { MsgSeq: number }[];
  Reason?: string;
}

/** The request body of `delete_group_msg_by_sender`: the sender's messages among the group's last 1,000. */
export interface DeleteGroupMsgBySenderBody {
  GroupId: string;
  Sender_Account: string;
}

/**
 * The request body of `setnospeaking`: seconds the account may not send one-to-one (`C2C...`) and group
 * (`Groupmsg...`) messages; at least one; 0 unmutes, 4294967295 is permanent.
 */
export interface SetNoSpeakingBody {
  Set_Account: string;
  C2CmsgNospeakingTime?: number;
  GroupmsgNospeakingTime?: number;
}

/** The request body of `kick`: the account whose sessions end (`UserID`, not the older `Identifier`). */
export interface KickBody {
  UserID: string;
}

/** The Tencent REST APIs the bridge calls, by name, with their paths below the region's domain. */
export const TENCENT_API_PATHS = {
  modify_group_member_info: MODIFY_GROUP_MEMBER_INFO_PATH,
  forbid_send_msg: FORBID_SEND_MSG_PATH,
  delete_group_member: '/v4/group_open_http_svc/delete_group_member',
  ban_group_member: '/v4/group_open_http_svc/ban_group_member',
  unban_group_member: '/v4/group_open_http_svc/unban_group_member',
  modify_group_base_info: '/v4/group_open_http_svc/modify_group_base_info',
  group_msg_recall: '/v4/group_open_http_svc/group_msg_recall',
  delete_group_msg_by_sender: '/v4/group_open_http_svc/delete_group_msg_by_sender',
  setnospeaking: '/v4/openconfigsvr/setnospeaking',
  kick: '/v4/im_open_login_svc/kick',
} as const;

/** Most accounts one call of each API that takes several may carry, as Tencent documents it. */
export const MAX_ACCOUNTS_PER_CALL = {
  forbid_send_msg: FORBID_SEND_MSG_MAX_ACCOUNTS,
  delete_group_member: 100,
  ban_group_member: 20,
  unban_group_member: 20,
} as const;

/** One Tencent call: which API, with its body as Tencent documents it. */
export type TencentCall =
  | { api: 'modify_group_member_info'; body: ModifyGroupMemberInfoBody }
  | { api: 'forbid_send_msg'; body: ForbidSendMsgBody }
  | { api: 'delete_group_member'; body: DeleteGroupMemberBody }
  | { api: 'ban_group_member'; body: BanGroupMemberBody }
  | { api: 'unban_group_member'; body: UnbanGroupMemberBody }
  | { api: 'modify_group_base_info'; body: ModifyGroupBaseInfoBody }
  | { api: 'group_msg_recall'; body: GroupMsgRecallBody }
  | { api: 'delete_group_msg_by_sender'; body: DeleteGroupMsgBySenderBody }
  | { api: 'setnospeaking'; body: SetNoSpeakingBody }
  | { api: 'kick'; body: KickBody };

/** A Tencent API's name. */
export type TencentApiName = TencentCall['api'];

/**
 * What went wrong on the way to Tencent, when no Tencent answer could be read. `unreachable`: no
 * endpoint (main or backup) could even be connected to, so the request surely never reached Tencent;
 * the others may follow a request that Tencent received (and applied).
 */
export type TransportFailure = 'timeout' | 'network' | 'http_status' | 'bad_response' | 'unreachable';

/**
 * What a Tencent call came to, as a value: the call never throws for what Tencent answers, nor for the
 * network. `info` never holds the URL, so never the UserSig.
 */
export type TencentAnswer =
  /** `ActionStatus` OK, `ErrorCode` 0; `body` is the whole answer (some APIs answer per item in it). */
  | { kind: 'ok'; body: Readonly<Record<string, unknown>> }
  /** Tencent refused the call: its `ErrorCode` and `ErrorInfo`, and the whole answer. */
  | { kind: 'refused'; code: number; info: string; body: Readonly<Record<string, unknown>> }
  /** No Tencent answer could be read: no connection, a timeout, a network error, an HTTP error status, or a body that is not Tencent's. */
  | { kind: 'no_answer'; failure: TransportFailure; info: string; httpStatus?: number };

/** The Tencent calls the bridge makes (`HttpTencentApi` over HTTPS; in-memory stand-ins in tests). */
export interface TencentApi {
  /** Makes one call with an admin's credentials; resolves with what it came to, never rejects for it. */
  call(request: TencentCall, credentials: TencentCredentials): Promise<TencentAnswer>;
}

/** Options of {@link HttpTencentApi}. */
export interface HttpTencentApiOptions {
  /** Base URL of the region's domain, e.g. `https://adminapisgp.im.qcloud.com` (no trailing slash). */
  endpoint: string;
  /**
   * Base URL of the region's backup domain, e.g. `https://adminapisgp.my-imcloud.com`: a call that
   * cannot connect to one endpoint is made at once on the other (see {@link EndpointPreference}).
   * @default none: no failover
   */
  backupEndpoint?: string;
  /** Timeout of one call, answer included (and failover included), in milliseconds. */
  timeoutMs: number;
  /** Told of each failover, switch of preference and unreachable call. @default nothing */
  onFailover?: (event: FailoverEvent) => void;
  /** The clock of the failover cool-down, in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** The DNS resolver. @default `dns.lookup` (tests pass a stand-in) */
  lookup?: LookupFunction;
  /** Trusted CA certificates, replacing the default roots. @default Node's roots (tests only set it) */
  ca?: string | Buffer;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * {@link TencentApi} over HTTPS, with kept-alive connections and backup-domain failover. Each call
 * gets a fresh `random`; the URL carries the UserSig, so it never appears in what this class answers.
 *
 * Failover: a call that could not connect to the first endpoint (DNS failure, connection refused or
 * reset before the request was sent, TLS handshake failure, connect timeout) is made at once on the
 * other. A call that may have reached Tencent (an answer of any kind, a timeout or a reset once
 * connected, any error on a kept-alive connection) is never made again here: Tencent may have applied
 * it, and the retry policy decides. A call that reached no endpoint answers `no_answer` `unreachable`.
 */
export class HttpTencentApi implements TencentApi {
  private readonly timeoutMs: number;
  private readonly agents: Agents;
  private readonly preference: EndpointPreference;
  private readonly onFailover: (event: FailoverEvent) => void;
  private readonly lookup: LookupFunction | undefined;

  constructor(options: HttpTencentApiOptions) {
    this.timeoutMs = options.timeoutMs;
    this.agents = createAgents(options.ca === undefined ? {} : { ca: options.ca });
    this.onFailover = options.onFailover ?? (() => undefined);
    this.preference = new EndpointPreference(
      options.endpoint,
      options.backupEndpoint,
      options.now ?? Date.now,
      this.onFailover,
    );
    this.lookup = options.lookup;
  }

  call(request: TencentCall, credentials: TencentCredentials): Promise<TencentAnswer> {
    return this.post(request.api, request.body, credentials);
  }

  /** Closes the kept-alive connections (tests and benchmarks; a Lambda container just ends). */
  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** One call: every API shares the URL parameters, the UserSig, the answer format and the failover. */
  private async post(
    api: TencentApiName,
    body: object,
    credentials: TencentCredentials,
  ): Promise<TencentAnswer> {
    const path = TENCENT_API_PATHS[api];
    const query = new URLSearchParams({
      sdkappid: String(credentials.sdkAppId),
      identifier: credentials.identifier,
      usersig: credentials.userSig,
      random: String(randomInt(0, 4_294_967_296)),
      contenttype: 'json',
    });
    const payload = JSON.stringify(body);
    const endpoints = this.preference.order();
    const started = performance.now();
    const failures: string[] = [];
    for (const [index, endpoint] of endpoints.entries()) {
      const next = endpoints[index + 1];
      const timeoutMs = Math.max(1, this.timeoutMs - (performance.now() - started));
      const outcome = await send({
        url: new URL(`${endpoint}${path}?${query}`),
        body: payload,
        timeoutMs,
        connectTimeoutMs: next === undefined ? timeoutMs : this.timeoutMs * FAILOVER.connectShare,
        agents: this.agents,
        ...(this.lookup === undefined ? {} : { lookup: this.lookup }),
      });
      if (outcome.kind !== 'not_connected') {
        this.preference.connected(endpoint);
        return readAnswer(outcome, this.timeoutMs, api);
      }
      this.preference.notConnected(endpoint);
      failures.push(`${hostOf(endpoint)}: ${outcome.reason}`);
      if (next !== undefined) {
        this.onFailover({
          kind: 'failover',
          from: hostOf(endpoint),
          to: hostOf(next),
          reason: outcome.reason,
        });
      }
    }
    const reason = failures.join('; ');
    this.onFailover({ kind: 'unreachable', endpoints: endpoints.map(hostOf), reason });
    return { kind: 'no_answer', failure: 'unreachable', info: `could not connect to Tencent: ${reason}` };
  }
}

/**
 * APIs whose documented answer has no `ActionStatus` (`setnospeaking`'s sample is `{ErrorCode,
 * ErrorInfo}` only): for them `ErrorCode` 0 alone is success, while an `ActionStatus` other than OK is
 * still a refusal.
 */
const WITHOUT_ACTION_STATUS: ReadonlySet<TencentApiName> = new Set(['setnospeaking']);

/** What an answer (or its absence) says. */
function readAnswer(
  outcome: Exclude<SendOutcome, { kind: 'not_connected' }>,
  timeoutMs: number,
  api: TencentApiName,
): TencentAnswer {
  if (outcome.kind === 'no_answer') {
    return outcome.timedOut
      ? { kind: 'no_answer', failure: 'timeout', info: `no answer from Tencent within ${timeoutMs} ms` }
      : { kind: 'no_answer', failure: 'network', info: `network error calling Tencent: ${outcome.reason}` };
  }
  const { status, text } = outcome;
  if (status < 200 || status > 299) {
    return {
      kind: 'no_answer',
      failure: 'http_status',
      info: `Tencent answered HTTP ${status}`,
      httpStatus: status,
    };
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return {
      kind: 'no_answer',
      failure: 'bad_response',
      info: 'Tencent answered with a body that is not JSON',
      httpStatus: status,
    };
  }
  if (!isRecord(answer) || typeof answer.ErrorCode !== 'number') {
    return {
      kind: 'no_answer',
      failure: 'bad_response',
      info: 'Tencent answered without a numeric ErrorCode',
      httpStatus: status,
    };
  }
  const statusOk =
    answer.ActionStatus === 'OK' || (answer.ActionStatus === undefined && WITHOUT_ACTION_STATUS.has(api));
  if (answer.ErrorCode !== 0 || !statusOk) {
    const info = typeof answer.ErrorInfo === 'string' ? answer.ErrorInfo : '';
    return { kind: 'refused', code: answer.ErrorCode, info, body: answer };
  }
  return { kind: 'ok', body: answer };
}
