import type {
  ForbidSendMsgBody,
  ModifyGroupMemberInfoBody,
  TencentAnswer,
  TencentApi,
  TencentCall,
} from '#shared/tencent';

/** A member as Tencent keeps it, for the fields the bridge sets. */
export interface MemberState {
  role: 'Admin' | 'Member';
  msgFlag: string;
  nameCard: string;
  data: Record<string, string>;
  /** When the mute ends, epoch milliseconds; 0: not muted; `Infinity`: permanently. */
  muteUntilMs: number;
}

/** What the stand-in does with one call. */
export type Fault =
  /** Apply it and answer OK. */
  | 'ok'
  /** Answer with this Tencent error code, applying nothing. */
  | number
  /** No answer in time; nothing applied. */
  | 'timeout'
  /** Applied, but the answer is lost: the caller sees a timeout. */
  | 'applied_then_timeout';

/** One call the stand-in received, and whether it changed the member. */
export interface MemoryCall {
  api: 'modify_group_member_info' | 'forbid_send_msg';
  body: ModifyGroupMemberInfoBody | ForbidSendMsgBody;
  applied: boolean;
  /** Set by the caller of the test, to tell which invocation made the call. */
  tag: string | undefined;
}

const PERMANENT_SECONDS = 4_294_967_295;

/**
 * An in-memory Tencent Chat for the consumer's unit and property tests: it applies
 * `modify_group_member_info` and `forbid_send_msg` to member state, and answers with the faults
 * `fault` picks. No HTTP: the real client and transport are tested against the simulator.
 */
export class MemoryTencent implements TencentApi {
  readonly members = new Map<string, MemberState>();
  readonly calls: MemoryCall[] = [];
  /** Picks each call's fault; OK by default. */
  fault: (call: Omit<MemoryCall, 'applied' | 'tag'>) => Fault = () => 'ok';
  /** Tags the next calls (e.g. with the invocation making them). */
  tag: string | undefined;

  constructor(private readonly now: () => number) {}

  /** A member's state (a new member is a plain member, not muted). */
  member(groupId: string, account: string): MemberState {
    const key = `${groupId}\n${account}`;
    let state = this.members.get(key);
    if (state === undefined) {
      state = { role: 'Member', msgFlag: 'AcceptAndNotify', nameCard: '', data: {}, muteUntilMs: 0 };
      this.members.set(key, state);
    }
    return state;
  }

  async call(request: TencentCall): Promise<TencentAnswer> {
    if (request.api === 'forbid_send_msg') {
      const body = request.body;
      return this.answer({ api: request.api, body: structuredClone(body) }, () => {
        for (const account of body.Members_Account) {
          this.member(body.GroupId, account).muteUntilMs = this.muteEnd(body.MuteTime);
        }
      });
    }
    const body = request.body;
    return this.answer({ api: request.api, body: structuredClone(body) }, () => {
      const state = this.member(body.GroupId, body.Member_Account);
      if (body.Role !== undefined) state.role = body.Role;
      if (body.MsgFlag !== undefined) state.msgFlag = body.MsgFlag;
      if (body.NameCard !== undefined) state.nameCard = body.NameCard;
      for (const { Key, Value } of body.AppMemberDefinedData ?? []) state.data[Key] = Value;
      if (body.MuteTime !== undefined) state.muteUntilMs = this.muteEnd(body.MuteTime);
    });
  }

  private muteEnd(muteTime: number): number {
    if (muteTime === 0) return 0;
    return muteTime >= PERMANENT_SECONDS ? Number.POSITIVE_INFINITY : this.now() + muteTime * 1000;
  }

  private answer(call: Omit<MemoryCall, 'applied' | 'tag'>, apply: () => void): TencentAnswer {
    const fault = this.fault(call);
    const applied = fault === 'ok' || fault === 'applied_then_timeout';
    if (applied) apply();
    this.calls.push({ ...call, applied, tag: this.tag });
    if (fault === 'ok') return { kind: 'ok', body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } };
    if (typeof fault === 'number') {
      const body = { ActionStatus: 'FAIL', ErrorCode: fault, ErrorInfo: `error ${fault}` };
      return { kind: 'refused', code: fault, info: `error ${fault}`, body };
    }
    return { kind: 'no_answer', failure: 'timeout', info: 'no answer within the timeout' };
  }
}
