/** The envelope Tencent answers every REST call with (HTTP 200 unless the network path fails). */
export interface TencentAnswer {
  ActionStatus: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
}

/**
 * An answer as the simulator sends it: the envelope plus the API's own fields (`RecallRetList`,
 * `BannedAccountList`, ...), which subtypes declare. `ActionStatus` is optional only because one documented
 * sample (`getnospeaking`) has none.
 */
export interface ApiAnswer {
  ActionStatus?: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
}

/** The outcome of one call: Tencent's answer and whether the state changed. */
export interface ApiOutcome {
  answer: ApiAnswer;
  applied: boolean;
}

/** The success answer. */
export const OK_ANSWER: Readonly<TencentAnswer> = Object.freeze({
  ActionStatus: 'OK',
  ErrorCode: 0,
  ErrorInfo: '',
});

/** A failure answer with Tencent's code and a message in Tencent's manner. */
export function fail(code: number, info: string): TencentAnswer {
  return { ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info };
}

/** A call refused with `code`, which changes nothing. */
export function refuse(code: number, info: string): ApiOutcome {
  return { answer: fail(code, info), applied: false };
}

/** A call that succeeded with the bare envelope; `applied` says whether it changed the state. */
export function ok(applied: boolean): ApiOutcome {
  return { answer: OK_ANSWER, applied };
}
