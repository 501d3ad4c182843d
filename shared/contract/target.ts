import type { MuteScope } from './schemas.ts';

/**
 * What an event is about, by the kind its action has (`ACTION_TARGETS`): a member of a group, a group,
 * or an account (in every group and chat).
 */
export type Target =
  | { kind: 'member'; groupId: string; account: string }
  | { kind: 'group'; groupId: string }
  | { kind: 'account'; account: string };

/** Whatever carries an event's target fields: a validated event, a queue message, a ledger item. */
export type Targeted = { groupId: string; account: string } | { groupId: string } | { account: string };

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
  if ('groupId' in event && 'account' in event) {
    return { kind: 'member', groupId: event.groupId, account: event.account };
  }
  if ('groupId' in event) return { kind: 'group', groupId: event.groupId };
  return { kind: 'account', account: event.account };
}

/** The target's fields, as events and ledger items carry them (`groupId` and/or `account`). */
export function targetFields(target: Target): { groupId?: string; account?: string } {
  switch (target.kind) {
    case 'member':
      return { groupId: target.groupId, account: target.account };
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
