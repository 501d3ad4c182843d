/** Type declarations for Tencent's `tls-sig-api-v2` (CommonJS, ships none). Only what we call. */
declare module 'tls-sig-api-v2/TLSSigAPIv2.js' {
  export class Api {
    constructor(sdkappid: number, key: string);
    /** A TLSSigAPIv2 UserSig for `userid`, valid `expire` seconds from now. */
    genUserSig(userid: string, expire: number): string;
  }
}
