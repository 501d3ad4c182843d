import * as z from 'zod';
import { CredentialsError } from '../errors/index.ts';
import type { TencentCredentials } from './client.ts';
import { makeUserSig } from './usersig.ts';

/** Where the secret's JSON comes from (Secrets Manager in Lambda, with its own cache). */
export interface SecretSource {
  /** A name for messages (the secret id); never the value. */
  readonly description: string;
  /**
   * The secret string. `forceFetch` bypasses any cache, to pick up a rotated secret.
   * @throws {@link CredentialsError} when the secret cannot be read
   */
  get(options: { forceFetch: boolean }): Promise<string>;
}

const SDK_APP_ID_RULE = 'sdkAppId must be a positive integer';
const sdkAppId = z.union(
  [
    z.number().int().positive(),
    z
      .string()
      .regex(/^[1-9]\d*$/)
      .transform(Number),
  ],
  { error: SDK_APP_ID_RULE },
);
const identifier = z.string({ error: 'identifier must be a non-empty string' }).min(1, {
  error: 'identifier must be a non-empty string',
});

const secretSchema = z.union(
  [
    z.object({ sdkAppId, identifier, secretKey: z.string().min(1) }),
    z.object({ sdkAppId, identifier, userSig: z.string().min(1) }),
  ],
  { error: 'the secret must hold sdkAppId, identifier and either secretKey or userSig' },
);

type SecretContent = z.infer<typeof secretSchema>;

/** Options of {@link CredentialStore}. */
export interface CredentialStoreOptions {
  /** Validity of the UserSigs made from a `secretKey`, in seconds. */
  userSigTtlSeconds: number;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
}

interface Cached {
  secret: string;
  credentials: TencentCredentials;
  /** When a UserSig made here should be replaced (shortly before it expires). */
  renewAtMs: number;
}

/**
 * The Tencent admin credentials, from a secret that holds either
 * `{"sdkAppId", "identifier", "secretKey"}` (a UserSig is made here and reused until shortly before
 * it expires) or `{"sdkAppId", "identifier", "userSig"}` (a ready UserSig, used as it is).
 * Error messages name the secret and the missing field, never a value.
 */
export class CredentialStore {
  private readonly now: () => number;
  private cached: Cached | undefined;
  private renewal: Promise<TencentCredentials> | undefined;

  constructor(
    private readonly source: SecretSource,
    private readonly options: CredentialStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Credentials to call with: cached while the secret is unchanged and the UserSig is fresh.
   * @throws {@link CredentialsError} when the secret cannot be read or is malformed
   */
  async current(): Promise<TencentCredentials> {
    const secret = await this.source.get({ forceFetch: false });
    const cached = this.cached;
    if (cached && cached.secret === secret && this.now() < cached.renewAtMs) return cached.credentials;
    return this.build(secret);
  }

  /**
   * Fresh credentials after Tencent said the UserSig expired (70001): re-reads the secret, bypassing
   * the cache, and makes a new UserSig. Concurrent callers share one renewal.
   */
  renew(): Promise<TencentCredentials> {
    this.renewal ??= (async () => {
      try {
        return this.build(await this.source.get({ forceFetch: true }));
      } finally {
        this.renewal = undefined;
      }
    })();
    return this.renewal;
  }

  private build(secret: string): TencentCredentials {
    const content = this.parse(secret);
    const issuedAt = this.now();
    let credentials: TencentCredentials;
    let renewAtMs = Number.POSITIVE_INFINITY;
    if ('secretKey' in content) {
      const ttl = this.options.userSigTtlSeconds;
      credentials = {
        sdkAppId: content.sdkAppId,
        identifier: content.identifier,
        userSig: makeUserSig(content.sdkAppId, content.identifier, content.secretKey, ttl),
      };
      // Renew with a tenth of the validity left, and at least a minute before it ends.
      renewAtMs = issuedAt + ttl * 1000 - Math.max(ttl * 100, 60_000);
    } else {
      credentials = { sdkAppId: content.sdkAppId, identifier: content.identifier, userSig: content.userSig };
    }
    this.cached = { secret, credentials, renewAtMs };
    return credentials;
  }

  private parse(secret: string): SecretContent {
    let json: unknown;
    try {
      json = JSON.parse(secret);
    } catch {
      // The parse error quotes the text, which is the secret: do not keep it as the cause.
      throw new CredentialsError(`secret ${this.source.description} is not JSON`);
    }
    const result = secretSchema.safeParse(json);
    if (!result.success) {
      const reasons = new Set(result.error.issues.map((issue) => issue.message));
      throw new CredentialsError(
        `secret ${this.source.description} is malformed: ${[...reasons].join('; ')}`,
      );
    }
    return result.data;
  }
}
