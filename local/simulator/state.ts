import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** Group types of Tencent Cloud Chat (Private is "Work", ChatRoom is "Meeting" in newer consoles). */
export const GROUP_TYPES = ['Private', 'Public', 'ChatRoom', 'AVChatRoom', 'Community'] as const;
/** A group's type. */
export type GroupType = (typeof GROUP_TYPES)[number];

/** Roles of a group member. `Owner` cannot be given or taken through `modify_group_member_info`. */
export const MEMBER_ROLES = ['Owner', 'Admin', 'Member'] as const;
/** A member's role. */
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Message blocking types (`MsgFlag`). */
export const MSG_FLAGS = ['AcceptAndNotify', 'Discard', 'AcceptNotNotify'] as const;
/** A member's message blocking type. */
export type MsgFlag = (typeof MSG_FLAGS)[number];

/** One member of a group, as the simulator keeps it. */
export interface GroupMember {
  account: string;
  role: MemberRole;
  msgFlag: MsgFlag;
  nameCard: string;
  /** Custom member fields (`AppMemberDefinedData`), key to value. */
  appMemberDefinedData: Record<string, string>;
  /** End of the mute, epoch seconds; 0 = not muted. */
  mutedUntil: number;
}

/** Fields of a group's base info that `modify_group_base_info` sets besides `MuteAllMember`. */
export interface GroupBaseInfo {
  name?: string;
  introduction?: string;
  notification?: string;
  faceUrl?: string;
  maxMemberNum?: number;
  applyJoinOption?: ApplyJoinOption;
  /** Custom group fields (`AppDefinedData`), key to value. */
  appDefinedData?: Record<string, string>;
}

/** How users may join a group (`ApplyJoinOption`). */
export const APPLY_JOIN_OPTIONS = ['FreeAccess', 'NeedPermission', 'DisableApply'] as const;
/** A group's join option. */
export type ApplyJoinOption = (typeof APPLY_JOIN_OPTIONS)[number];

/** One group, as the simulator keeps it (bans and messages are read apart: `listBans`, `listMessages`). */
export interface Group {
  groupId: string;
  type: GroupType;
  /** The owner's account; `null` for a group created without an owner. */
  owner: string | null;
  members: GroupMember[];
  /** Whole-group mute (`MuteAllMember` "On"). */
  muteAllMember: boolean;
  /** A test flag: `group_msg_recall` answers every item 10033 ("this group type does not support recall"). */
  recallUnsupported: boolean;
  /** What `modify_group_base_info` set besides the mute-all flag. */
  baseInfo: GroupBaseInfo;
}

/** A member banned from a group: removed, and cannot rejoin until `bannedUntil`. */
export interface GroupBan {
  account: string;
  /** End of the ban, epoch seconds. */
  bannedUntil: number;
}

/** A message in a group, posted by a test (`POST /_sim/groups/{id}/messages`). */
export interface GroupMessage {
  /** Sequence number, increasing per group from 1. */
  msgSeq: number;
  sender: string;
  text: string;
  /** Send time, epoch seconds. */
  time: number;
  /** The Community topic it was sent to; absent for the group itself. */
  topicId?: string;
  /** A test flag: `group_msg_recall` answers it 10032 ("this message cannot be recalled"). */
  unrecallable: boolean;
  /** Recalled by `group_msg_recall` or deleted by `delete_group_msg_by_sender`. */
  recalled: boolean;
  /** Which API took it back, once `recalled`. */
  recalledBy?: 'group_msg_recall' | 'delete_group_msg_by_sender';
  /** When it was taken back, epoch seconds. */
  recalledAt?: number;
  /** The recall's `Reason`, if one was given. */
  recallReason?: string;
}

/** A message to post: the sender and, optionally, the rest. */
export interface NewMessage {
  sender: string;
  /** @default '' */
  text?: string;
  /** Send time, epoch seconds. @default now */
  time?: number;
  topicId?: string;
  /** @default false */
  unrecallable?: boolean;
}

/** One `delete_group_member` call that succeeded. */
export interface Removal {
  groupId: string;
  /** The accounts asked for (`MemberToDel_Account`). */
  accounts: string[];
  /** Those of them that were members and are now removed. */
  removed: string[];
  /** `Silence` as sent (0 when absent). */
  silence: 0 | 1;
  /** `Reason`, if given. */
  reason?: string;
  /** When, epoch seconds. */
  at: number;
}

/** The end of an account-wide mute: epoch seconds (0: not muted) or `forever` (4294967295 was set). */
export type NoSpeakingEnd = number | 'forever';

/** An account's account-wide mutes (`setnospeaking`). */
export interface NoSpeaking {
  account: string;
  /** One-to-one messages. */
  c2cMutedUntil: NoSpeakingEnd;
  /** Messages in every group. */
  groupMutedUntil: NoSpeakingEnd;
}

/** The kicks of one account (`im_open_login_svc/kick`): each ended all its sessions. */
export interface Kick {
  account: string;
  count: number;
  /** The last kick, epoch seconds. */
  lastKickedAt: number;
}

/** Settings of the simulated app (its edition and console switches), changed through `/_sim/settings`. */
export interface SimulatorSettings {
  /**
   * The edition allows bans and the console's "Group member banning" switch is on. Off: the three ban
   * APIs answer 10059. @default true
   */
  banEnabled: boolean;
  /** Oldest message `group_msg_recall` recalls, seconds (roaming retention). @default 604800 (7 days) */
  recallMaxAgeSeconds: number;
  /** The same in AVChatRoom groups (Tencent documents under 1 hour). @default 3600 */
  avChatRoomRecallMaxAgeSeconds: number;
}

/** The default {@link SimulatorSettings}. */
export const DEFAULT_SETTINGS: Readonly<SimulatorSettings> = Object.freeze({
  banEnabled: true,
  recallMaxAgeSeconds: 7 * 86_400,
  avChatRoomRecallMaxAgeSeconds: 3_600,
});

const settingsSchema = z.strictObject({
  banEnabled: z.boolean().optional(),
  recallMaxAgeSeconds: z.int().min(0).optional(),
  avChatRoomRecallMaxAgeSeconds: z.int().min(0).optional(),
});

/** Validates a partial settings change (from JSON); throws a readable error. */
export function parseSettings(json: unknown): Partial<SimulatorSettings> {
  const result = settingsSchema.safeParse(json);
  if (!result.success) throw new Error(`invalid simulator settings: ${z.prettifyError(result.error)}`);
  return result.data;
}

const seedMemberSchema = z.union([
  z.string().min(1),
  z.strictObject({
    account: z.string().min(1),
    role: z.enum(MEMBER_ROLES).optional(),
    msgFlag: z.enum(MSG_FLAGS).optional(),
    nameCard: z.string().optional(),
    appMemberDefinedData: z.record(z.string(), z.string()).optional(),
    mutedUntil: z.int().min(0).optional(),
  }),
]);

const seedGroupSchema = z.strictObject({
  groupId: z.string().min(1),
  type: z.enum(GROUP_TYPES).optional(),
  owner: z.string().min(1).optional(),
  members: z.array(seedMemberSchema).optional(),
  muteAllMember: z.boolean().optional(),
  recallUnsupported: z.boolean().optional(),
});

/** A seed file: `{ "groups": [...] }` or just the array of groups. */
const seedFileSchema = z.union([
  z.strictObject({ groups: z.array(seedGroupSchema) }),
  z.array(seedGroupSchema),
]);

/**
 * A member in a seed: an account name alone (a plain `Member` with defaults) or the fields to set.
 * Defaults: role `Member` (`Owner` for the group's owner), msgFlag `AcceptAndNotify`, nameCard `''`,
 * no custom data, not muted.
 */
export type SeedMember = z.infer<typeof seedMemberSchema>;

/**
 * A group to start with. `type` defaults to `Public`; `muteAllMember` and `recallUnsupported` to false.
 * The owner is made a member with role `Owner` whether or not `members` lists it.
 * @example
 * { groupId: '@TGS#2CLUZEAEJ', owner: 'alice', members: ['bob', { account: 'carol', role: 'Admin' }] }
 */
export type SeedGroup = z.infer<typeof seedGroupSchema>;

/** Validates seed JSON (`{ "groups": [...] }` or an array of groups); throws a readable error. */
export function parseSeed(json: unknown): SeedGroup[] {
  const result = seedFileSchema.safeParse(json);
  if (!result.success) throw new Error(`invalid simulator seed: ${z.prettifyError(result.error)}`);
  return Array.isArray(result.data) ? result.data : result.data.groups;
}

/** Reads and validates a seed file (see {@link parseSeed}). */
export async function loadSeedFile(path: string): Promise<SeedGroup[]> {
  return parseSeed(JSON.parse(await readFile(path, 'utf8')));
}

/** A group as stored: members by account, mutated in place by the API. */
export interface StoredGroup {
  groupId: string;
  type: GroupType;
  owner: string | null;
  members: Map<string, GroupMember>;
  muteAllMember: boolean;
  recallUnsupported: boolean;
  baseInfo: GroupBaseInfo;
  /** Bans by account: end, epoch seconds (ended bans are dropped when read). */
  bans: Map<string, number>;
  /**
   * The mute ends of members who were removed or banned while muted: Tencent keeps a mute across leaving
   * and rejoining (docs/tencent.md, `forbid_send_msg`), so a rejoin restores it.
   */
  leftMutes: Map<string, number>;
  /** Messages, by increasing MsgSeq. */
  messages: GroupMessage[];
  nextMsgSeq: number;
}

function newMember(fields: Exclude<SeedMember, string>, isOwner: boolean): GroupMember {
  return {
    account: fields.account,
    role: isOwner ? 'Owner' : (fields.role ?? 'Member'),
    msgFlag: fields.msgFlag ?? 'AcceptAndNotify',
    nameCard: fields.nameCard ?? '',
    appMemberDefinedData: { ...fields.appMemberDefinedData },
    mutedUntil: fields.mutedUntil ?? 0,
  };
}

function buildGroup(seed: SeedGroup): StoredGroup {
  const owner = seed.owner ?? null;
  const members = new Map<string, GroupMember>();
  const add = (entry: SeedMember): void => {
    const fields = typeof entry === 'string' ? { account: entry } : entry;
    const isOwner = fields.account === owner;
    if (fields.role === 'Owner' && !isOwner) {
      throw new Error(
        `invalid simulator seed: ${fields.account} has role Owner in ${seed.groupId} but is not its owner`,
      );
    }
    members.set(fields.account, newMember(fields, isOwner));
  };
  if (owner !== null) add(owner);
  for (const entry of seed.members ?? []) add(entry);
  return {
    groupId: seed.groupId,
    type: seed.type ?? 'Public',
    owner,
    members,
    muteAllMember: seed.muteAllMember ?? false,
    recallUnsupported: seed.recallUnsupported ?? false,
    baseInfo: {},
    bans: new Map(),
    leftMutes: new Map(),
    messages: [],
    nextMsgSeq: 1,
  };
}

function copyMember(member: GroupMember): GroupMember {
  return { ...member, appMemberDefinedData: { ...member.appMemberDefinedData } };
}

function copyGroup(group: StoredGroup): Group {
  const { appDefinedData, ...baseInfo } = group.baseInfo;
  return {
    groupId: group.groupId,
    type: group.type,
    owner: group.owner,
    members: [...group.members.values()].map(copyMember),
    muteAllMember: group.muteAllMember,
    recallUnsupported: group.recallUnsupported,
    baseInfo: appDefinedData ? { ...baseInfo, appDefinedData: { ...appDefinedData } } : baseInfo,
  };
}

/** Takes a member out of a group, keeping its mute for a rejoin; `false` when it was not a member. */
export function removeMember(group: StoredGroup, account: string, nowSeconds: number): boolean {
  const member = group.members.get(account);
  if (!member) return false;
  if (member.mutedUntil > nowSeconds) group.leftMutes.set(account, member.mutedUntil);
  group.members.delete(account);
  return true;
}

/** The ban end of an account in a group, or 0 when it is not banned (an ended ban is dropped). */
export function bannedUntil(group: StoredGroup, account: string, nowSeconds: number): number {
  const end = group.bans.get(account) ?? 0;
  if (end > nowSeconds) return end;
  group.bans.delete(account);
  return 0;
}

/** Removes a member (if it is one) and bans the account until `until`, epoch seconds. */
export function banAccount(group: StoredGroup, account: string, until: number, nowSeconds: number): void {
  removeMember(group, account, nowSeconds);
  group.bans.delete(account);
  group.bans.set(account, until);
}

/** Where the simulator starts, and returns on reset, besides the groups. */
export interface StateSetup {
  /** Accounts the app knows besides the members of the seed groups. @default none */
  accounts?: readonly string[];
  /** @default {@link DEFAULT_SETTINGS} */
  settings?: Partial<SimulatorSettings>;
}

/** The result of {@link SimulatorState.joinGroup}. */
export type JoinResult =
  | { joined: GroupMember[] }
  | { refused: 'no-such-group' }
  | { refused: 'banned'; bans: GroupBan[] };

/**
 * The state the simulator holds: groups with their members, bans, mute-all flag and messages; the app's
 * known accounts with their account-wide mutes and kicks; the log of removals; the app's settings.
 * Readers get copies; the API changes the state through `stored` and the account methods, the control
 * API through the other methods.
 */
export class SimulatorState {
  private readonly groups = new Map<string, StoredGroup>();
  private readonly known = new Set<string>();
  private readonly noSpeakingByAccount = new Map<string, NoSpeaking>();
  private readonly kicksByAccount = new Map<string, Kick>();
  private removalLog: Removal[] = [];
  private current: SimulatorSettings = { ...DEFAULT_SETTINGS };

  constructor(seed: readonly SeedGroup[] = [], setup: StateSetup = {}) {
    this.reset(seed, setup);
  }

  /** Replaces all groups with `seed` (validated) and everything else with `setup`. */
  reset(seed: readonly SeedGroup[], setup: StateSetup = {}): void {
    const built = parseSeed([...seed]).map(buildGroup);
    this.groups.clear();
    this.known.clear();
    this.noSpeakingByAccount.clear();
    this.kicksByAccount.clear();
    this.removalLog = [];
    this.current = { ...DEFAULT_SETTINGS, ...setup.settings };
    this.addAccounts(setup.accounts ?? []);
    for (const group of built) this.setGroup(group);
  }

  /** Adds a group, or replaces the one with the same id (its bans and messages with it). */
  putGroup(seed: SeedGroup): void {
    const [group] = parseSeed([seed]).map(buildGroup);
    if (group) this.setGroup(group);
  }

  private setGroup(group: StoredGroup): void {
    this.groups.set(group.groupId, group);
    this.addAccounts([...group.members.keys()]);
  }

  /** A copy of one group, or `undefined`. */
  getGroup(groupId: string): Group | undefined {
    const group = this.groups.get(groupId);
    return group && copyGroup(group);
  }

  /** A copy of one member, or `undefined` when the group or the member does not exist. */
  getMember(groupId: string, account: string): GroupMember | undefined {
    const member = this.groups.get(groupId)?.members.get(account);
    return member && copyMember(member);
  }

  /** Copies of all groups. */
  listGroups(): Group[] {
    return [...this.groups.keys()].flatMap((id) => this.getGroup(id) ?? []);
  }

  /** The live group record, for the API implementation only. */
  stored(groupId: string): StoredGroup | undefined {
    return this.groups.get(groupId);
  }

  /** Sets a group's flags; `false` when there is no such group. */
  setGroupFlags(groupId: string, flags: { muteAllMember?: boolean; recallUnsupported?: boolean }): boolean {
    const group = this.groups.get(groupId);
    if (!group) return false;
    if (flags.muteAllMember !== undefined) group.muteAllMember = flags.muteAllMember;
    if (flags.recallUnsupported !== undefined) group.recallUnsupported = flags.recallUnsupported;
    return true;
  }

  /**
   * Users join a group (the seed's member format), as a client's join or an admin's add would: refused,
   * none joining, while any of them is banned. A member who was muted when it left gets its mute back;
   * one already in the group stays as it is. Throws for a role `Owner` given to another account.
   */
  joinGroup(groupId: string, members: readonly SeedMember[], nowSeconds: number): JoinResult {
    const group = this.groups.get(groupId);
    if (!group) return { refused: 'no-such-group' };
    const entries = members.map((entry) => (typeof entry === 'string' ? { account: entry } : entry));
    const bans = entries.flatMap(({ account }) => {
      const end = bannedUntil(group, account, nowSeconds);
      return end > 0 ? [{ account, bannedUntil: end }] : [];
    });
    if (bans.length > 0) return { refused: 'banned', bans };
    const joined = entries.map((fields) => {
      const present = group.members.get(fields.account);
      if (present) return copyMember(present);
      if (fields.role === 'Owner' && fields.account !== group.owner) {
        throw new Error(`${fields.account} cannot join ${groupId} with role Owner: it is not its owner`);
      }
      const left = group.leftMutes.get(fields.account) ?? 0;
      group.leftMutes.delete(fields.account);
      const member = newMember(fields, fields.account === group.owner);
      if (fields.mutedUntil === undefined && left > nowSeconds) member.mutedUntil = left;
      group.members.set(fields.account, member);
      return copyMember(member);
    });
    this.addAccounts(entries.map(({ account }) => account));
    return { joined };
  }

  /** A group's bans still running at `nowSeconds`, in the order they were made; `undefined`: no group. */
  listBans(groupId: string, nowSeconds: number): GroupBan[] | undefined {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    return [...group.bans.keys()].flatMap((account) => {
      const end = bannedUntil(group, account, nowSeconds);
      return end > 0 ? [{ account, bannedUntil: end }] : [];
    });
  }

  /** Bans (removing the member) until `until`, or with `until` 0 lifts the ban; `false`: no group. */
  setBan(groupId: string, account: string, until: number, nowSeconds: number): boolean {
    const group = this.groups.get(groupId);
    if (!group) return false;
    if (until <= nowSeconds) {
      group.bans.delete(account);
      return true;
    }
    banAccount(group, account, until, nowSeconds);
    return true;
  }

  /** Posts a message to a group; its MsgSeq, or `undefined` when there is no such group. */
  postMessage(groupId: string, message: NewMessage, nowSeconds: number): number | undefined {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    const msgSeq = group.nextMsgSeq;
    group.nextMsgSeq += 1;
    group.messages.push({
      msgSeq,
      sender: message.sender,
      text: message.text ?? '',
      time: message.time ?? nowSeconds,
      ...(message.topicId === undefined ? {} : { topicId: message.topicId }),
      unrecallable: message.unrecallable ?? false,
      recalled: false,
    });
    this.addAccounts([message.sender]);
    return msgSeq;
  }

  /** Copies of a group's messages, by MsgSeq; `undefined` when there is no such group. */
  listMessages(groupId: string): GroupMessage[] | undefined {
    return this.groups.get(groupId)?.messages.map((message) => ({ ...message }));
  }

  /** Logs a `delete_group_member` call. */
  logRemoval(removal: Removal): void {
    this.removalLog.push({ ...removal, accounts: [...removal.accounts], removed: [...removal.removed] });
  }

  /** The `delete_group_member` calls that succeeded, oldest first. */
  removals(): Removal[] {
    return this.removalLog.map((removal) => ({
      ...removal,
      accounts: [...removal.accounts],
      removed: [...removal.removed],
    }));
  }

  /** Accounts the app knows (imported accounts): kick answers 70107 for any other. */
  knownAccounts(): string[] {
    return [...this.known].sort();
  }

  /** Whether the app knows an account. */
  isKnown(account: string): boolean {
    return this.known.has(account);
  }

  /** Makes accounts known to the app (as importing them would). */
  addAccounts(accounts: readonly string[]): void {
    for (const account of accounts) this.known.add(account);
  }

  /** An account's account-wide mutes (both 0 when it has none). */
  noSpeaking(account: string): NoSpeaking {
    const entry = this.noSpeakingByAccount.get(account);
    return entry ? { ...entry } : { account, c2cMutedUntil: 0, groupMutedUntil: 0 };
  }

  /** Sets an account's account-wide mutes; a scope left out is kept. */
  setNoSpeaking(
    account: string,
    ends: { c2cMutedUntil?: NoSpeakingEnd; groupMutedUntil?: NoSpeakingEnd },
  ): NoSpeaking {
    const entry = { ...this.noSpeaking(account), ...ends };
    if (entry.c2cMutedUntil === 0 && entry.groupMutedUntil === 0) this.noSpeakingByAccount.delete(account);
    else this.noSpeakingByAccount.set(account, entry);
    return { ...entry };
  }

  /** Accounts with an account-wide mute set (ended ones included until changed), by account. */
  listNoSpeaking(): NoSpeaking[] {
    return [...this.noSpeakingByAccount.values()]
      .map((entry) => ({ ...entry }))
      .sort((a, b) => a.account.localeCompare(b.account));
  }

  /** Records a kick: every session of the account ended at `nowSeconds`. */
  kick(account: string, nowSeconds: number): Kick {
    const count = (this.kicksByAccount.get(account)?.count ?? 0) + 1;
    const kick = { account, count, lastKickedAt: nowSeconds };
    this.kicksByAccount.set(account, kick);
    return { ...kick };
  }

  /** Kicked accounts, by account. */
  kicks(): Kick[] {
    return [...this.kicksByAccount.values()]
      .map((kick) => ({ ...kick }))
      .sort((a, b) => a.account.localeCompare(b.account));
  }

  /** The app's settings. */
  settings(): SimulatorSettings {
    return { ...this.current };
  }

  /** Changes some of the app's settings; returns them all. */
  setSettings(change: Partial<SimulatorSettings>): SimulatorSettings {
    this.current = { ...this.current, ...change };
    return this.settings();
  }
}
