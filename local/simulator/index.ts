/**
 * The Tencent Cloud Chat simulator, for the local stack, integration and fault tests and benchmarks.
 * See `simulator.ts` for the server and the order of its checks, `routes.ts` for the APIs and the file of
 * each one's body rules, `control.ts` for the control routes.
 */
export type { ApiAnswer, TencentAnswer } from './answer.ts';
export {
  BAN_NOT_ENABLED,
  type BanListAnswer,
  MAX_BAN_ACCOUNTS,
  MAX_BAN_DESCRIPTION_BYTES,
  MAX_BAN_LIST_LIMIT,
} from './ban.ts';
export { DELETE_BY_SENDER_WINDOW } from './delete-by-sender.ts';
export { MAX_DELETE_ACCOUNTS } from './delete-member.ts';
export type { FaultConfig, ScriptedFault } from './faults.ts';
export { parseFaultConfig } from './faults.ts';
export { MAX_FORBID_ACCOUNTS } from './forbid.ts';
export { KICK_INVALID, KICK_NOT_ADMIN, KICK_UNKNOWN_ACCOUNT } from './kick.ts';
export { DOMAINS, type Domain, type DomainState } from './listeners.ts';
export { type GetNoSpeakingAnswer, NOSPEAKING_PARSE_ERROR } from './nospeaking.ts';
export type { RateLimitWindow } from './rate-limit.ts';
export {
  MAX_RECALL_MESSAGES,
  MAX_RECALL_REASON_BYTES,
  RECALL_CODES,
  type RecallAnswer,
} from './recall.ts';
export { API_PATHS, type ApiName } from './routes.ts';
export { MAX_UINT32, TOO_MANY_ACCOUNTS } from './rules.ts';
export {
  API_PATH,
  type ApiUrlParams,
  apiUrl,
  type CallLogEntry,
  FORBID_PATH,
  type RunningSimulator,
  type SimulatorOptions,
  type SimulatorStats,
  startSimulator,
} from './simulator.ts';
export {
  DEFAULT_SETTINGS,
  type Group,
  type GroupBan,
  type GroupBaseInfo,
  type GroupMember,
  type GroupMessage,
  type GroupType,
  type Kick,
  loadSeedFile,
  type MemberRole,
  type MsgFlag,
  type NewMessage,
  type NoSpeaking,
  type NoSpeakingEnd,
  parseSeed,
  type Removal,
  type SeedGroup,
  type SeedMember,
  type SimulatorSettings,
  SimulatorState,
} from './state.ts';
export {
  decodeUserSig,
  encodeUserSig,
  type SignUserSigInput,
  signUserSig,
  UserSigVerifier,
} from './usersig.ts';

/** Default port of the CLI (`npm run simulator`). */
export const DEFAULT_PORT = 8090;
/** Default port of the backup domain's listener in `npm start`. */
export const DEFAULT_BACKUP_PORT = 8091;
/** Default SDKAppID of the CLI. */
export const DEFAULT_SDK_APP_ID = 1_400_000_000;
/** Default admin account of the CLI. */
export const DEFAULT_ADMIN = 'administrator';
/** Default secret key of the CLI: a development key, public on purpose; never a real app's key. */
export const DEFAULT_SECRET_KEY = 'local-simulator-dev-secret-key-not-for-production';
