// The file is named because the package's manifest names two different "main" files.
import { Api } from 'tls-sig-api-v2/TLSSigAPIv2.js';

/**
 * Makes a TLSSigAPIv2 UserSig with Tencent's own library (`tls-sig-api-v2`), so the signature is
 * exactly what Tencent's servers verify.
 *
 * @param ttlSeconds - how long the UserSig is valid, from now
 * @example
 * ```ts
 * const userSig = makeUserSig(1400000000, 'administrator', secretKey, 86_400);
 * ```
 */
export function makeUserSig(
  sdkAppId: number,
  identifier: string,
  secretKey: string,
  ttlSeconds: number,
): string {
  return new Api(sdkAppId, secretKey).genUserSig(identifier, ttlSeconds);
}
