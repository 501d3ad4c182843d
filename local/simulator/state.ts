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

/** One group, as the simulator keeps it. */
export interface Group {
  groupId: string;
  type: GroupType;
  /** The owner's account; `null` for a group created without an owner. */
  owner: string | null;
  members: GroupMember[];
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
 * A group to start with. `type` defaults to `Public`. The owner is made a member with role `Owner`
 * whether or not `members` lists it.
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
    members.set(fields.account, {
      account: fields.account,
      role: isOwner ? 'Owner' : (fields.role ?? 'Member'),
      msgFlag: fields.msgFlag ?? 'AcceptAndNotify',
      nameCard: fields.nameCard ?? '',
      appMemberDefinedData: { ...fields.appMemberDefinedData },
      mutedUntil: fields.mutedUntil ?? 0,
    });
  };
  if (owner !== null) add(owner);
  for (const entry of seed.members ?? []) add(entry);
  return { groupId: seed.groupId, type: seed.type ?? 'Public', owner, members };
}

function copyMember(member: GroupMember): GroupMember {
  return { ...member, appMemberDefinedData: { ...member.appMemberDefinedData } };
}

/**
 * The groups and members the simulator holds. Readers get copies; only the API changes the state.
 */
export class SimulatorState {
  private readonly groups = new Map<string, StoredGroup>();

  constructor(seed: readonly SeedGroup[] = []) {
    this.reset(seed);
  }

  /** Replaces all groups with `seed` (validated). */
  reset(seed: readonly SeedGroup[]): void {
    const built = parseSeed([...seed]).map(buildGroup);
    this.groups.clear();
    for (const group of built) this.groups.set(group.groupId, group);
  }

  /** Adds a group, or replaces the one with the same id. */
  putGroup(seed: SeedGroup): void {
    const [group] = parseSeed([seed]).map(buildGroup);
    if (group) this.groups.set(group.groupId, group);
  }

  /** A copy of one group, or `undefined`. */
  getGroup(groupId: string): Group | undefined {
    const group = this.groups.get(groupId);
    return group && { ...group, members: [...group.members.values()].map(copyMember) };
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
}
