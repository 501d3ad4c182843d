/**
 * TLSSigAPIv2 UserSigs, signed and verified with node:crypto and node:zlib.
 *
 * Why this is hand-written: the simulator has to *verify* UserSigs the way Tencent does (and tell an
 * expired one from a forged one), and no package does that; Tencent's `tls-sig-api-v2` only signs.
 * The format is the one in `docs/tencent.md#usersig`:
 * 1. `sig = base64(HMAC-SHA256(key, "TLS.identifier:{id}\nTLS.sdkappid:{appid}\nTLS.time:{t}\nTLS.expire:{e}\n"))`
 * 2. JSON `{"TLS.ver":"2.0","TLS.identifier":id,"TLS.sdkappid":appid,"TLS.time":t,"TLS.expire":e,"TLS.sig":sig}`
 * 3. zlib-deflate, base64, then `+` → `*`, `/` → `-`, `=` → `_`.
 * A TRTC `TLS.userbuf`, when present, is signed too (one more `TLS.userbuf:{b64}\n` line), as the package does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

/** The JSON document a UserSig carries, with the TLSSigAPIv2 field names. */
export interface UserSigDoc {
  'TLS.ver': string;
  'TLS.identifier': string;
  'TLS.sdkappid': number;
  'TLS.time': number;
  'TLS.expire': number;
  'TLS.sig': string;
  'TLS.userbuf'?: string;
}

/** What signing needs. */
export interface SignUserSigInput {
  sdkAppId: number;
  secretKey: string;
  identifier: string;
  /** Validity in seconds from `nowSeconds`. */
  expireSeconds: number;
  /** Signing time, epoch seconds. @default the current time */
  nowSeconds?: number;
}

/** Why a UserSig was refused, as Tencent's public error code. */
export type UserSigErrorCode =
  /** Expired. */
  | 70001
  /** Not decodable: bad base64, not zlib, not JSON, or fields missing. */
  | 70003
  /** Signature does not match (usually the wrong key). */
  | 70009
  /** Its identifier is not the request's `identifier`. */
  | 70013
  /** Its SDKAppID is not the request's `sdkappid`. */
  | 70014;

/** The result of {@link UserSigVerifier.verify}. */
export type UserSigCheck =
  | { ok: true; doc: UserSigDoc }
  | { ok: false; code: UserSigErrorCode; info: string };

function hmacSignature(key: string, doc: Omit<UserSigDoc, 'TLS.sig' | 'TLS.ver'>): string {
  let content =
    `TLS.identifier:${doc['TLS.identifier']}\n` +
    `TLS.sdkappid:${doc['TLS.sdkappid']}\n` +
    `TLS.time:${doc['TLS.time']}\n` +
    `TLS.expire:${doc['TLS.expire']}\n`;
  if (doc['TLS.userbuf'] !== undefined) content += `TLS.userbuf:${doc['TLS.userbuf']}\n`;
  return createHmac('sha256', key).update(content).digest('base64');
}

/**
 * Encodes any document as a UserSig string (deflate, base64, URL-safe substitution). Tests use it to
 * build deliberately broken UserSigs; {@link signUserSig} is the normal way.
 */
export function encodeUserSig(doc: object): string {
  return deflateSync(Buffer.from(JSON.stringify(doc)))
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}

/**
 * Signs a UserSig exactly as Tencent's `tls-sig-api-v2` `genUserSig` does.
 * @example
 * const usersig = signUserSig({ sdkAppId: 1400000000, secretKey, identifier: 'administrator', expireSeconds: 86_400 });
 */
export function signUserSig(input: SignUserSigInput): string {
  const fields = {
    'TLS.identifier': input.identifier,
    'TLS.sdkappid': input.sdkAppId,
    'TLS.time': input.nowSeconds ?? Math.floor(Date.now() / 1000),
    'TLS.expire': input.expireSeconds,
  };
  return encodeUserSig({ 'TLS.ver': '2.0', ...fields, 'TLS.sig': hmacSignature(input.secretKey, fields) });
}

/** Decodes a UserSig without checking its signature; `undefined` when it is not a well-formed one. */
export function decodeUserSig(userSig: string): UserSigDoc | undefined {
  let parsed: unknown;
  try {
    const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
    if (!/^[A-Za-z0-9+/]+=*$/.test(base64)) return undefined;
    parsed = JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const doc = parsed as Record<string, unknown>;
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (
    doc['TLS.ver'] !== '2.0' ||
    typeof doc['TLS.identifier'] !== 'string' ||
    !isCount(doc['TLS.sdkappid']) ||
    !isCount(doc['TLS.time']) ||
    !isCount(doc['TLS.expire']) ||
    typeof doc['TLS.sig'] !== 'string' ||
    (doc['TLS.userbuf'] !== undefined && typeof doc['TLS.userbuf'] !== 'string')
  ) {
    return undefined;
  }
  return parsed as UserSigDoc;
}

/** A decoded UserSig and whether its HMAC matched; `null` when it could not be decoded. */
type CachedSig = { doc: UserSigDoc; signatureOk: boolean } | null;

/**
 * Verifies UserSigs for one app. Decoding and the HMAC are done once per distinct UserSig string and
 * cached (a client reuses its admin UserSig for every call); the request-dependent checks (SDKAppID,
 * identifier, expiry) run on every call.
 */
export class UserSigVerifier {
  private readonly cache = new Map<string, CachedSig>();

  constructor(
    private readonly secretKey: string,
    private readonly maxCacheEntries = 1_000,
  ) {}

  /**
   * Checks a UserSig against the request's `sdkappid` and `identifier` at `nowSeconds`, in this order:
   * decodable (70003), SDKAppID (70014), identifier (70013), signature (70009), expiry (70001).
   */
  verify(userSig: string, sdkAppId: number, identifier: string, nowSeconds: number): UserSigCheck {
    let cached = this.cache.get(userSig);
    if (cached === undefined) {
      const doc = decodeUserSig(userSig);
      cached = doc ? { doc, signatureOk: this.signatureMatches(doc) } : null;
      if (this.cache.size >= this.maxCacheEntries) this.cache.clear();
      this.cache.set(userSig, cached);
    }
    if (!cached) return { ok: false, code: 70003, info: 'usersig is illegal: cannot be decoded' };
    const { doc } = cached;
    if (doc['TLS.sdkappid'] !== sdkAppId) {
      return { ok: false, code: 70014, info: 'sdkappid in usersig does not match the request' };
    }
    if (doc['TLS.identifier'] !== identifier) {
      return { ok: false, code: 70013, info: 'identifier in usersig does not match the request' };
    }
    if (!cached.signatureOk) return { ok: false, code: 70009, info: 'usersig signature check failed' };
    if (nowSeconds > doc['TLS.time'] + doc['TLS.expire']) {
      return { ok: false, code: 70001, info: 'usersig expired' };
    }
    return { ok: true, doc };
  }

  private signatureMatches(doc: UserSigDoc): boolean {
    const expected = Buffer.from(hmacSignature(this.secretKey, doc), 'base64');
    const actual = Buffer.from(doc['TLS.sig'], 'base64');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
