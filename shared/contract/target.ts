import type { MuteScope } from './schemas.ts';

/**
 * What an event is about, by the kind its action has (`ACTION_TARGETS`): a member of a group, several
 * members of one group (a bulk event's `accounts`), a group, or an account (in every group and chat).
 */
export type Target =
  | { kind: 'member'; groupId: string; account: string }
  | { kind: 'members'; groupId: string; accounts: readonly string[] }
  | { kind: 'group'; groupId: string }
  | { kind: 'account'; account: string };

/** Whatever carries an event's target fields: a validated event, a queue message, a ledger item. */
export type Targeted =
  | { groupId: string; account: string }
  | { groupId: string; accounts: readonly string[] }
  | { groupId: string; account?: undefined; accounts?: undefined }
  | { account: string };

/**
 * What an event is about, from its fields: a member when it has a group and an account, a group when
 * only a group, an account when only an account (the contract gives each action exactly its fields).
 *
 * @example
 * ```ts
 * targetOf({ groupId: 'g1', account: 'bob' }); // { kind: 'member', groupId: 'g1', account: 'bob' }
 * targetOf({ account: 'bob' });                 // { kind: 'account', account: 'bob' }
 * ```
 */
export function targetOf(event: Targeted): Target {
  if ('groupId' in event) {
    if ('accounts' in event && event.accounts !== undefined) {
      return { kind: 'members', groupId: event.groupId, accounts: event.accounts };
    }
    if ('account' in event && event.account !== undefined) {
      return { kind: 'member', groupId: event.groupId, account: event.account };
    }
    return { kind: 'group', groupId: event.groupId };
  }
  return { kind: 'account', account: event.account };
}

/**
 * The target's fields, as ledger items and log lines carry them (`groupId` and/or `account`); a bulk
 * event's accounts are counted, not listed (`accounts`).
 */
export function targetFields(target: Target): { groupId?: string; account?: string; accounts?: number } {
  switch (target.kind) {
    case 'member':
      return { groupId: target.groupId, account: target.account };
    case 'members':
      return { groupId: target.groupId, accounts: target.accounts.length };
    case 'group':
      return { groupId: target.groupId };
    case 'account':
      return { account: target.account };
  }
}

/**
 * The fields of an account's record an account-wide mute of a scope decides: `mute.groups` (group
 * messages, in every group) and `mute.direct` (one-to-one messages); `all` is both.
 */
export function accountMuteFieldsOf(scope: MuteScope): ('mute.groups' | 'mute.direct')[] {
  switch (scope) {
    case 'all':
      return ['mute.groups', 'mute.direct'];
    case 'groups':
      return ['mute.groups'];
    case 'direct':
      return ['mute.direct'];
  }
}
