/**
 * The APIs the simulator answers: one table of path → handler, each handler in its own file. The server
 * (`simulator.ts`) makes the checks every API shares (method, sdkappid, rate limit, URL parameters,
 * UserSig, admin, body size, JSON) and hands the parsed body to the route's handler.
 */
import type { ApiOutcome } from './answer.ts';
import { banGroupMember, getGroupBanMember, unbanGroupMember } from './ban.ts';
import { modifyGroupBaseInfo } from './base-info.ts';
import { deleteGroupMsgBySender } from './delete-by-sender.ts';
import { deleteGroupMember } from './delete-member.ts';
import { forbidSendMsg } from './forbid.ts';
import { KICK_NOT_ADMIN, kick } from './kick.ts';
import { modifyGroupMemberInfo } from './modify.ts';
import { getNoSpeaking, NOSPEAKING_PARSE_ERROR, setNoSpeaking } from './nospeaking.ts';
import { groupMsgRecall } from './recall.ts';
import type { SimulatorState } from './state.ts';

/** The path of each API, by Tencent's name for it. */
export const API_PATHS = {
  modify_group_member_info: '/v4/group_open_http_svc/modify_group_member_info',
  forbid_send_msg: '/v4/group_open_http_svc/forbid_send_msg',
  delete_group_member: '/v4/group_open_http_svc/delete_group_member',
  ban_group_member: '/v4/group_open_http_svc/ban_group_member',
  unban_group_member: '/v4/group_open_http_svc/unban_group_member',
  get_group_ban_member: '/v4/group_open_http_svc/get_group_ban_member',
  modify_group_base_info: '/v4/group_open_http_svc/modify_group_base_info',
  group_msg_recall: '/v4/group_open_http_svc/group_msg_recall',
  delete_group_msg_by_sender: '/v4/group_open_http_svc/delete_group_msg_by_sender',
  setnospeaking: '/v4/openconfigsvr/setnospeaking',
  getnospeaking: '/v4/openconfigsvr/getnospeaking',
  kick: '/v4/im_open_login_svc/kick',
} as const;

/** An API the simulator answers. */
export type ApiName = keyof typeof API_PATHS;

/** What a handler gets besides the parsed body. */
export interface ApiContext {
  state: SimulatorState;
  /** Now, epoch seconds (mute and ban ends count from here). */
  nowSeconds: number;
  /** Keys allowed in AppMemberDefinedData (as enabled in the console); `undefined` allows any key. */
  memberDefinedKeys?: ReadonlySet<string>;
}

/** One API: its handler and the codes its service answers where the shared checks fail. */
export interface ApiRoute {
  /** Judges a parsed JSON body and, when it is valid, applies it. */
  handle(body: unknown, context: ApiContext): ApiOutcome;
  /** The code for a body that is not JSON. @default 60003 */
  parseErrorCode?: number;
  /** The code for an `identifier` that is not an app admin. @default 60010 */
  notAdminCode?: number;
}

/** Every API, by name (its path in {@link API_PATHS}). */
const ROUTE_TABLE: Readonly<Record<ApiName, ApiRoute>> = {
  modify_group_member_info: {
    handle: (body, { state, nowSeconds, memberDefinedKeys }) =>
      modifyGroupMemberInfo(state, body, { nowSeconds, memberDefinedKeys }),
  },
  forbid_send_msg: { handle: (body, { state, nowSeconds }) => forbidSendMsg(state, body, { nowSeconds }) },
  delete_group_member: { handle: deleteGroupMember },
  ban_group_member: { handle: banGroupMember },
  unban_group_member: { handle: unbanGroupMember },
  get_group_ban_member: { handle: getGroupBanMember },
  modify_group_base_info: { handle: modifyGroupBaseInfo },
  group_msg_recall: { handle: groupMsgRecall },
  delete_group_msg_by_sender: { handle: deleteGroupMsgBySender },
  setnospeaking: { handle: setNoSpeaking, parseErrorCode: NOSPEAKING_PARSE_ERROR },
  getnospeaking: { handle: getNoSpeaking, parseErrorCode: NOSPEAKING_PARSE_ERROR },
  kick: { handle: kick, notAdminCode: KICK_NOT_ADMIN },
};

/** Every API, by path. */
export const ROUTES: ReadonlyMap<string, ApiRoute> = new Map(
  Object.entries(ROUTE_TABLE).map(([name, route]) => [API_PATHS[name as ApiName], route]),
);

/** The group service: an unknown command under it answers 10003; an unknown path elsewhere 60009. */
export const GROUP_SERVICE = '/v4/group_open_http_svc/';
