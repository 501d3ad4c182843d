import type { TencentAnswer, TencentApi, TencentCall } from '#shared/tencent';

/** A member as Tencent keeps it, for the fields the bridge sets. */
export interface MemberState {
  role: 'Admin' | 'Member';
  msgFlag: string;
  nameCard: string;
  data: Record<string, string>;
  /** When the mute ends, epoch milliseconds; 0: not muted; `Infinity`: permanently. */
  muteUntilMs: number;
  /** Whether `delete_group_member` (or a ban) removed the member. */
  removed: boolean;
  /** When the ban ends, epoch milliseconds; 0: not banned; `Infinity`: permanently. */
  bannedUntilMs: number;
}

/** An account as Tencent keeps it, for what the bridge sets across every group. */
export interface AccountState {
  /** When the account-wide mute of group messages ends, epoch milliseconds (0, or `Infinity`). */
  groupsMutedUntilMs: number;
  /** When the account-wide mute of one-to-one messages ends, epoch milliseconds (0, or `Infinity`). */
  directMutedUntilMs: number;
  /** How many times `kick` ended its sessions. */
  kicks: number;
}

/** A group message, as `group_msg_recall` and `delete_group_msg_by_sender` see it. */
export interface MessageState {
  sender: string;
  recalled: boolean;
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

/** One call the stand-in received, and whether it changed anything. */
export type MemoryCall = TencentCall & {
  applied: boolean;
  /** Set by the caller of the test, to tell which invocation made the call. */
  tag: string | undefined;
};

const PERMANENT_SECONDS = 4_294_967_295;

/** Tencent's per-message code of a message a recall cannot find. */
const NOT_FOUND = 10030;

/**
 * An in-memory Tencent Chat for the consumer's unit and property tests: it applies every API the
 * bridge calls to member, group, message and account state, and answers with the faults `fault`
 * picks (a recall's items with `recallCode`). No HTTP: the real client and transport are tested
 * against the simulator (`local/simulator`).
 */
export class MemoryTencent implements TencentApi {
  readonly members = new Map<string, MemberState>();
  /** Whether each group is muted as a whole (`MuteAllMember`). */
  readonly mutedGroups = new Map<string, boolean>();
  /** Each group's messages, by sequence number. */
  readonly messages = new Map<string, Map<number, MessageState>>();
  readonly accounts = new Map<string, AccountState>();
  readonly calls: MemoryCall[] = [];
  /** Picks each call's fault; OK by default. */
  fault: (call: TencentCall) => Fault = () => 'ok';
  /** A recall item's code, when not what the message's state says (0, or 10030 when gone). */
  recallCode: (groupId: string, msgSeq: number) => number | undefined = () => undefined;
  /** Tags the next calls (e.g. with the invocation making them). */
  tag: string | undefined;

  constructor(private readonly now: () => number) {}

  /** A member's state (a new member is a plain member, not muted, in the group). */
  member(groupId: string, account: string): MemberState {
    const key = `${groupId}\n${account}`;
    let state = this.members.get(key);
    if (state === undefined) {
      state = {
        role: 'Member',
        msgFlag: 'AcceptAndNotify',
        nameCard: '',
        data: {},
        muteUntilMs: 0,
        removed: false,
        bannedUntilMs: 0,
      };
      this.members.set(key, state);
    }
    return state;
  }

  /** An account's state. */
  account(account: string): AccountState {
    let state = this.accounts.get(account);
    if (state === undefined) {
      state = { groupsMutedUntilMs: 0, directMutedUntilMs: 0, kicks: 0 };
      this.accounts.set(account, state);
    }
    return state;
  }

  /** Posts a message to a group, as a member would; returns its sequence number. */
  post(groupId: string, sender: string): number {
    let group = this.messages.get(groupId);
    if (group === undefined) {
      group = new Map();
      this.messages.set(groupId, group);
    }
    const msgSeq = group.size + 1;
    group.set(msgSeq, { sender, recalled: false });
    return msgSeq;
  }

  async call(request: TencentCall): Promise<TencentAnswer> {
    const call = structuredClone(request);
    const fault = this.fault(call);
    const applied = fault === 'ok' || fault === 'applied_then_timeout';
    const answer = applied ? this.apply(call) : {};
    this.calls.push({ ...call, applied, tag: this.tag });
    if (fault === 'ok')
      return { kind: 'ok', body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ...answer } };
    if (typeof fault === 'number') {
      const body = { ActionStatus: 'FAIL', ErrorCode: fault, ErrorInfo: `error ${fault}` };
      return { kind: 'refused', code: fault, info: `error ${fault}`, body };
    }
    return { kind: 'no_answer', failure: 'timeout', info: 'no answer within the timeout' };
  }

  /** Applies a call; returns the answer's fields beyond the envelope. */
  private apply(call: TencentCall): Record<string, unknown> {
    switch (call.api) {
      case 'modify_group_member_info': {
        const { body } = call;
        const state = this.member(body.GroupId, body.Member_Account);
        if (body.Role !== undefined) state.role = body.Role;
        if (body.MsgFlag !== undefined) state.msgFlag = body.MsgFlag;
        if (body.NameCard !== undefined) state.nameCard = body.NameCard;
        for (const { Key, Value } of body.AppMemberDefinedData ?? []) state.data[Key] = Value;
        if (body.MuteTime !== undefined) state.muteUntilMs = this.endOf(body.MuteTime);
        return {};
      }
      case 'forbid_send_msg':
        for (const account of call.body.Members_Account) {
          this.member(call.body.GroupId, account).muteUntilMs = this.endOf(call.body.MuteTime);
        }
        return {};
      case 'delete_group_member':
        for (const account of call.body.MemberToDel_Account)
          this.member(call.body.GroupId, account).removed = true;
        return {};
      case 'ban_group_member':
        for (const account of call.body.Members_Account) {
          const state = this.member(call.body.GroupId, account);
          state.removed = true;
          state.bannedUntilMs = this.endOf(call.body.Duration);
        }
        return {};
      case 'unban_group_member':
        for (const account of call.body.Members_Account)
          this.member(call.body.GroupId, account).bannedUntilMs = 0;
        return {};
      case 'modify_group_base_info':
        this.mutedGroups.set(call.body.GroupId, call.body.MuteAllMember === 'On');
        return {};
      case 'group_msg_recall': {
        const group = this.messages.get(call.body.GroupId);
        const RecallRetList = call.body.MsgSeqList.map(({ MsgSeq }) => {
          const message = group?.get(MsgSeq);
          const code =
            this.recallCode(call.body.GroupId, MsgSeq) ?? (message && !message.recalled ? 0 : NOT_FOUND);
          if (code === 0 && message !== undefined) message.recalled = true;
          return { MsgSeq, RetCode: code };
        });
        return { RecallRetList };
      }
      case 'delete_group_msg_by_sender':
        for (const message of this.messages.get(call.body.GroupId)?.values() ?? []) {
          if (message.sender === call.body.Sender_Account) message.recalled = true;
        }
        return {};
      case 'setnospeaking': {
        const state = this.account(call.body.Set_Account);
        if (call.body.GroupmsgNospeakingTime !== undefined) {
          state.groupsMutedUntilMs = this.endOf(call.body.GroupmsgNospeakingTime);
        }
        if (call.body.C2CmsgNospeakingTime !== undefined) {
          state.directMutedUntilMs = this.endOf(call.body.C2CmsgNospeakingTime);
        }
        return {};
      }
      case 'kick':
        this.account(call.body.UserID).kicks++;
        return {};
    }
  }

  /** The end of something lasting `seconds` from now: 0 for none, `Infinity` for Tencent's permanent. */
  private endOf(seconds: number): number {
    if (seconds === 0) return 0;
    return seconds >= PERMANENT_SECONDS ? Number.POSITIVE_INFINITY : this.now() + seconds * 1000;
  }
}
