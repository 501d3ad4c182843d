/** The body Tencent answers every REST call with (HTTP 200 unless the network path fails). */
export interface TencentAnswer {
  ActionStatus: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
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
