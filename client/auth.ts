import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/core/serde';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '#shared/errors';

/** AWS credentials, or a function that finds them (such as the SDK's providers). */
export type AwsCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/**
 * SigV4 for `execute-api`, with `credentials` or else the default AWS credential chain (environment,
 * SSO, web identity, shared files, ECS/EC2 roles). `region` defaults to the one in an
 * `execute-api.<region>.amazonaws.com` URL, then to `AWS_REGION` / `AWS_DEFAULT_REGION`.
 */
export interface IamSigning {
  region?: string;
  credentials?: AwsCredentials;
}

/** How the client authenticates; the bridge's deployment decides which (`apiAuth`). */
export type BridgeAuth =
  /** SigV4 on both routes. */
  | ({ kind: 'iam' } & IamSigning)
  /** The `x-api-key` header, on both routes. */
  | { kind: 'apiKey'; key: string }
  /**
   * A Standard Webhooks signature with this secret (`whsec_<base64>`), on `send`. A webhook-mode
   * bridge checks SigV4 on `GET /v1/events/{eventId}`, so `status` signs with `iam` (`{}` for the
   * default AWS credential chain), and without it throws a {@link ConfigError} before any request.
   */
  | { kind: 'webhook'; secret: string; iam?: IamSigning };

/** One attempt to authenticate. */
export interface OutgoingRequest {
  method: 'GET' | 'POST';
  url: URL;
  /** The body, the same bytes on every attempt of a call. */
  body: string | undefined;
  /** The delivery's id, the same on every attempt of a call (the webhook's `webhook-id`). */
  deliveryId: string;
  /** When this attempt is made. */
  date: Date;
}

/** Adds a request's authentication headers. */
export interface Authenticator {
  headers(request: OutgoingRequest): Promise<Record<string, string>>;
}

/** The Standard Webhooks headers of one delivery. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs a body as Standard Webhooks says (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`), with
 * the `standardwebhooks` package; what the client sends in webhook mode, exported so that other senders
 * and tests can make the same headers.
 *
 * @param secret - `whsec_<base64>`
 * @param id - the delivery's id: the same for every retry of one delivery
 * @throws {@link ConfigError} when the secret is not base64 (its value is never in the message)
 * @example
 * ```ts
 * webhookHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', new Date(), '{"events":[]}');
 * // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1767225600', 'webhook-signature': 'v1,...' }
 * ```
 */
export function webhookHeaders(secret: string, id: string, timestamp: Date, body: string): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': webhookOf(secret).sign(id, timestamp, body),
  };
}

function webhookOf(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch (error) {
    // The library's message ("Base64Coder: incorrect characters for decoding") does not quote the secret.
    throw new ConfigError('the webhook secret must be whsec_ followed by base64', { cause: error });
  }
}

/** The region of an `https://<api>.execute-api.<region>.amazonaws.com` URL. */
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** The region an IAM client signs for; see {@link BridgeAuth}. */
export function signingRegion(
  auth: Pick<IamSigning, 'region'>,
  url: URL,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const region =
    auth.region ?? EXECUTE_API_HOST.exec(url.hostname)?.[1] ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION);
  if (region === undefined || region === '') {
    throw new ConfigError(
      `no AWS region to sign for: give auth.region, or set AWS_REGION (the URL ${url.host} names none)`,
    );
  }
  return region;
}

/** The query of a URL as SigV4 signs it: each name with its value, or its values in order. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}

/** SigV4 with `@smithy/signature-v4`, the signer of the AWS SDK itself. */
class IamAuthenticator implements Authenticator {
  private readonly signer: SignatureV4;

  constructor(region: string, credentials: AwsCredentials) {
    this.signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
  }

  async headers(request: OutgoingRequest): Promise<Record<string, string>> {
    const { url } = request;
    const unsigned = new HttpRequest({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: queryOf(url),
      headers: {
        host: url.host,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: request.body,
    });
    let signed: Record<string, string>;
    try {
      signed = (await this.signer.sign(unsigned, { signingDate: request.date })).headers;
    } catch (error) {
      throw new ConfigError('could not get AWS credentials to sign with (see the cause)', {
        cause: error,
      });
    }
    // fetch sets `host` itself, from the same URL.
    const { host: _host, ...headers } = signed;
    return headers;
  }
}

const iamAuthenticatorOf = (
  iam: IamSigning,
  url: URL,
  env: Readonly<Record<string, string | undefined>>,
): Authenticator => new IamAuthenticator(signingRegion(iam, url, env), iam.credentials ?? defaultProvider());

/** Why `status` cannot be called with a webhook `auth` that has no `iam`. */
export const WEBHOOK_STATUS_NEEDS_IAM =
  'status() needs auth.iam in webhook mode: the bridge checks SigV4 on GET /v1/events/{eventId} ' +
  '(only POST is a signed webhook); give auth.iam, {} for the default AWS credential chain';

/**
 * The authenticator of a client's `auth`.
 *
 * @throws {@link ConfigError} for an empty key or secret, a secret that is not base64, or no region
 *   (IAM, or webhook with `iam`)
 */
export function authenticatorOf(
  auth: BridgeAuth,
  url: URL,
  env: Readonly<Record<string, string | undefined>>,
): Authenticator {
  switch (auth.kind) {
    case 'iam':
      return iamAuthenticatorOf(auth, url, env);
    case 'apiKey': {
      if (auth.key === '') throw new ConfigError('the API key is empty');
      const key = auth.key;
      return { headers: async () => ({ 'x-api-key': key }) };
    }
    case 'webhook': {
      if (auth.secret === '') throw new ConfigError('the webhook secret is empty');
      webhookOf(auth.secret);
      const secret = auth.secret;
      const status = auth.iam === undefined ? undefined : iamAuthenticatorOf(auth.iam, url, env);
      return {
        headers: async (request) => {
          if (request.method === 'POST') {
            return { ...webhookHeaders(secret, request.deliveryId, request.date, request.body ?? '') };
          }
          if (status === undefined) throw new ConfigError(WEBHOOK_STATUS_NEEDS_IAM);
          return status.headers(request);
        },
      };
    }
  }
}
