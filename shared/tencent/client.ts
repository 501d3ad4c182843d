import { randomInt } from 'node:crypto';
import type { MsgFlag } from '../contract.ts';
import { TencentApiError, TencentTransportError } from '../errors.ts';
import { redactText } from '../redact.ts';

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
 * The Tencent calls the bridge makes. Implementations resolve when Tencent answers `OK`, and
 * throw {@link TencentApiError} (Tencent's `ErrorCode` and `ErrorInfo`) or
 * {@link TencentTransportError} (no readable answer) otherwise.
 */
export interface GroupMemberApi {
  modifyGroupMemberInfo(body: ModifyGroupMemberInfoBody, credentials: TencentCredentials): Promise<void>;
  forbidSendMsg(body: ForbidSendMsgBody, credentials: TencentCredentials): Promise<void>;
}

/** Options of {@link HttpGroupMemberApi}. */
export interface HttpGroupMemberApiOptions {
  /** Base URL of the region's domain, e.g. `https://adminapisgp.im.qcloud.com` (no trailing slash). */
  endpoint: string;
  /** Timeout of one call, answer included, in milliseconds. */
  timeoutMs: number;
  /** The fetch to use; Node's global fetch by default, which keeps connections alive and reuses them. */
  fetch?: typeof fetch;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * {@link GroupMemberApi} over HTTPS. Each call gets a fresh `random`; the URL carries the UserSig,
 * so it never appears in an error this class raises (use `redactUrl` before logging one).
 */
export class HttpGroupMemberApi implements GroupMemberApi {
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: HttpGroupMemberApiOptions) {
    this.endpoint = options.endpoint;
    this.timeoutMs = options.timeoutMs;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  modifyGroupMemberInfo(body: ModifyGroupMemberInfoBody, credentials: TencentCredentials): Promise<void> {
    return this.post(MODIFY_GROUP_MEMBER_INFO_PATH, body, credentials);
  }

  forbidSendMsg(body: ForbidSendMsgBody, credentials: TencentCredentials): Promise<void> {
    return this.post(FORBID_SEND_MSG_PATH, body, credentials);
  }

  /** One call: both APIs share the URL parameters, the UserSig and the answer format. */
  private async post(path: string, body: object, credentials: TencentCredentials): Promise<void> {
    const query = new URLSearchParams({
      sdkappid: String(credentials.sdkAppId),
      identifier: credentials.identifier,
      usersig: credentials.userSig,
      random: String(randomInt(0, 4_294_967_296)),
      contenttype: 'json',
    });
    const signal = AbortSignal.timeout(this.timeoutMs);
    let text: string;
    let status: number;
    try {
      const response = await this.fetch(`${this.endpoint}${path}?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal.aborted) {
        throw new TencentTransportError('timeout', `no answer from Tencent within ${this.timeoutMs} ms`, {
          cause: error,
        });
      }
      throw new TencentTransportError('network', `network error calling Tencent: ${describe(error)}`, {
        cause: error,
      });
    }
    if (status < 200 || status > 299) {
      throw new TencentTransportError('http_status', `Tencent answered HTTP ${status}`, {
        httpStatus: status,
      });
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch (error) {
      throw new TencentTransportError('bad_response', 'Tencent answered with a body that is not JSON', {
        cause: error,
        httpStatus: status,
      });
    }
    if (!isRecord(answer) || typeof answer.ErrorCode !== 'number') {
      throw new TencentTransportError('bad_response', 'Tencent answered without a numeric ErrorCode', {
        httpStatus: status,
      });
    }
    if (answer.ErrorCode !== 0 || answer.ActionStatus !== 'OK') {
      const info = typeof answer.ErrorInfo === 'string' ? answer.ErrorInfo : '';
      throw new TencentApiError(answer.ErrorCode, info);
    }
  }
}

/** A one-line description of a network error and its cause (e.g. `fetch failed: ECONNREFUSED`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  // Some fetch errors quote the request URL, which holds the UserSig.
  return redactText(code ? `${error.message}: ${code}` : error.message);
}
