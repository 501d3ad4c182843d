/**
 * The control routes of the state under `/_sim/`: groups with their members, flags, bans and messages;
 * known accounts, account-wide mutes and kicks; the removal log; the app's settings. Bodies are JSON;
 * a bad one answers 400 with `{error}` (thrown here, answered by the server's control handler).
 *
 * | route | body | answer |
 * |---|---|---|
 * | `GET /_sim/groups` | | every group |
 * | `POST /_sim/groups` | seed groups | `{ok: true}` (adds or replaces) |
 * | `GET /_sim/groups/{id}` | | the group (members, `muteAllMember`, `recallUnsupported`, `baseInfo`) |
 * | `POST /_sim/groups/{id}` | `{muteAllMember?, recallUnsupported?}` | the group |
 * | `GET /_sim/groups/{id}/members` | | its members |
 * | `POST /_sim/groups/{id}/members` | `{members: [seed members]}` | the members who joined; 409 `{error, bans}` if any is banned |
 * | `GET /_sim/groups/{id}/bans` | | `[{account, bannedUntil}]`, running bans |
 * | `POST /_sim/groups/{id}/bans` | `{account, bannedUntil}` (epoch s; 0 lifts) | the running bans |
 * | `GET /_sim/groups/{id}/messages` | | its messages, by MsgSeq |
 * | `POST /_sim/groups/{id}/messages` | `{sender, text?, time?, topicId?, unrecallable?}` or an array of them | `{msgSeq}` or `[{msgSeq}]` |
 * | `GET /_sim/accounts` | | the accounts the app knows |
 * | `POST /_sim/accounts` | `{accounts: [...]}` | the accounts the app knows |
 * | `GET /_sim/nospeaking` | | `[{account, c2cMutedUntil, groupMutedUntil}]` (epoch s, or `"forever"`) |
 * | `POST /_sim/nospeaking` | `{account, c2cMutedUntil?, groupMutedUntil?}` | that account's mutes |
 * | `GET /_sim/kicks` | | `[{account, count, lastKickedAt}]` |
 * | `GET /_sim/removals` | | the `delete_group_member` calls: `[{groupId, accounts, removed, silence, reason?, at}]` |
 * | `GET /_sim/settings` | | `{banEnabled, recallMaxAgeSeconds, avChatRoomRecallMaxAgeSeconds}` |
 * | `POST /_sim/settings` | some of those | all of them |
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { isUserId } from './rules.ts';
import { parseSeed, parseSettings, type SimulatorState } from './state.ts';

const account = z.string().refine(isUserId, 'must be a UserID (printable ASCII, 1 to 32 bytes)');
const epochSeconds = z.int().min(0);

const flagsSchema = z.strictObject({
  muteAllMember: z.boolean().optional(),
  recallUnsupported: z.boolean().optional(),
});
const joinSchema = z.strictObject({ members: z.array(z.unknown()).min(1) });
const banSchema = z.strictObject({ account, bannedUntil: epochSeconds });
const messageSchema = z.strictObject({
  sender: account,
  text: z.string().optional(),
  time: epochSeconds.optional(),
  topicId: z.string().min(1).optional(),
  unrecallable: z.boolean().optional(),
});
const messagesSchema = z.union([messageSchema, z.array(messageSchema).min(1)]);
const accountsSchema = z.strictObject({ accounts: z.array(account).min(1) });
const noSpeakingEnd = z.union([epochSeconds, z.literal('forever')]);
const noSpeakingSchema = z.strictObject({
  account,
  c2cMutedUntil: noSpeakingEnd.optional(),
  groupMutedUntil: noSpeakingEnd.optional(),
});

function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (!result.success) throw new Error(`invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * Answers a control route of the state; `false` for a path or method that is not one of these.
 * @param nowSeconds the simulator's clock (ban ends, message times).
 */
export async function stateControl(
  state: SimulatorState,
  req: IncomingMessage,
  path: string,
  readJson: () => Promise<unknown>,
  send: (status: number, value: unknown) => void,
  nowSeconds: () => number,
): Promise<boolean> {
  const method = req.method ?? '';
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /_sim/groups':
      send(200, state.listGroups());
      return true;
    case 'POST /_sim/groups':
      for (const group of parseSeed(await readJson())) state.putGroup(group);
      send(200, { ok: true });
      return true;
    case 'GET /_sim/accounts':
      send(200, state.knownAccounts());
      return true;
    case 'POST /_sim/accounts':
      state.addAccounts(parse(accountsSchema, await readJson(), 'accounts').accounts);
      send(200, state.knownAccounts());
      return true;
    case 'GET /_sim/nospeaking':
      send(200, state.listNoSpeaking());
      return true;
    case 'POST /_sim/nospeaking': {
      const { account: who, ...ends } = parse(noSpeakingSchema, await readJson(), 'account-wide mute');
      send(200, state.setNoSpeaking(who, ends));
      return true;
    }
    case 'GET /_sim/kicks':
      send(200, state.kicks());
      return true;
    case 'GET /_sim/removals':
      send(200, state.removals());
      return true;
    case 'GET /_sim/settings':
      send(200, state.settings());
      return true;
    case 'POST /_sim/settings':
      send(200, state.setSettings(parseSettings(await readJson())));
      return true;
  }
  const match = /^\/_sim\/groups\/([^/]+)(?:\/(members|bans|messages))?$/.exec(path);
  const groupId = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  if (groupId === undefined) return false;
  if (!state.getGroup(groupId)) {
    send(404, { error: 'no such group' });
    return true;
  }
  const part = match?.[2];
  const json = method === 'POST' ? await readJson() : undefined;
  switch (`${method} ${part ?? 'group'}`) {
    case 'GET group':
      send(200, state.getGroup(groupId));
      return true;
    case 'POST group':
      state.setGroupFlags(groupId, parse(flagsSchema, json, 'group flags'));
      send(200, state.getGroup(groupId));
      return true;
    case 'GET members':
      send(200, state.getGroup(groupId)?.members);
      return true;
    case 'POST members': {
      const [seed] = parseSeed([{ groupId, members: parse(joinSchema, json, 'members').members }]);
      const result = state.joinGroup(groupId, seed?.members ?? [], nowSeconds());
      if ('joined' in result) send(200, result.joined);
      else if (result.refused === 'banned') send(409, { error: 'banned from the group', bans: result.bans });
      else send(404, { error: 'no such group' });
      return true;
    }
    case 'GET bans':
      send(200, state.listBans(groupId, nowSeconds()));
      return true;
    case 'POST bans': {
      const ban = parse(banSchema, json, 'ban');
      state.setBan(groupId, ban.account, ban.bannedUntil, nowSeconds());
      send(200, state.listBans(groupId, nowSeconds()));
      return true;
    }
    case 'GET messages':
      send(200, state.listMessages(groupId));
      return true;
    case 'POST messages': {
      const posted = parse(messagesSchema, json, 'message');
      const post = (message: z.infer<typeof messageSchema>) => ({
        msgSeq: state.postMessage(groupId, message, nowSeconds()),
      });
      send(200, Array.isArray(posted) ? posted.map(post) : post(posted));
      return true;
    }
  }
  return false;
}
