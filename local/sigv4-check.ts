/**
 * API Gateway's IAM check, for the local API's `--auth iam` mode: the request's SigV4 signature is
 * computed again with `@smithy/signature-v4` (the AWS SDK's own signer) from what arrived (method, path,
 * query, the signed headers, the body) and the local stack's credentials, and compared in constant time.
 * A refusal is a 403 with API Gateway's message and `x-amzn-ErrorType`.
 *
 * Only the signing is checked: there are no IAM policies locally, so any signature made with the local
 * credentials may invoke. Query-string (presigned) signatures are not taken.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/core/serde';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';

/** The credentials and scope requests must be signed with. */
export interface SigV4Expectation {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** @default 'execute-api' */
  service?: string;
}

/** A request as it arrived. */
export interface ArrivedRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  target: string;
  /** Lower-case names, one string per name. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

/** Why API Gateway would refuse a request: `errorType` goes in `x-amzn-ErrorType`. */
export interface SigV4Refusal {
  errorType:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException';
  message: string;
}

/** How far the signing time may be from the server's clock, as API Gateway allows. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The parameters of an `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header. */
function parseAuthorization(header: string): Map<string, string> | undefined {
  if (!header.startsWith(`${ALGORITHM} `)) return undefined;
  const params = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) params.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  return params;
}

const amzDate = (date: Date): string => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/** The query of a request target, decoded, as `HttpRequest` takes it (SigV4 encodes it again). */
function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(search.keys())) {
    const values = search.getAll(name);
    query[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}

/** The signer, keeping the canonical request and string to sign it made, for the mismatch message. */
class RecordingSigner extends SignatureV4 {
  canonicalRequest = '';
  stringToSign = '';

  protected override createCanonicalRequest(...args: Parameters<SignatureV4['createCanonicalRequest']>) {
    this.canonicalRequest = super.createCanonicalRequest(...args);
    return this.canonicalRequest;
  }

  protected override async createStringToSign(...args: Parameters<SignatureV4['createStringToSign']>) {
    this.stringToSign = await super.createStringToSign(...args);
    return this.stringToSign;
  }
}

/** Whether two strings are equal, in a time that does not depend on where they differ. */
export const equalInConstantTime = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Checks a request's SigV4 signature as API Gateway's IAM authorization does.
 *
 * @returns `undefined` when it is signed with the expected credentials and scope, else why not
 * @example
 * ```ts
 * await checkSigV4(request, { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1' }, new Date());
 * // undefined, or { errorType: 'InvalidSignatureException', message: 'The request signature we calculated ...' }
 * ```
 */
export async function checkSigV4(
  request: ArrivedRequest,
  expected: SigV4Expectation,
  now: Date,
): Promise<SigV4Refusal | undefined> {
  const service = expected.service ?? 'execute-api';
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    return { errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  const params = parseAuthorization(header);
  const credential = params?.get('Credential');
  const signedHeadersParam = params?.get('SignedHeaders');
  const signature = params?.get('Signature');
  const dateHeader = request.headers['x-amz-date'];
  if (
    credential === undefined ||
    signedHeadersParam === undefined ||
    signature === undefined ||
    dateHeader === undefined
  ) {
    const missing = [
      credential === undefined ? "Authorization header requires 'Credential' parameter." : '',
      signature === undefined ? "Authorization header requires 'Signature' parameter." : '',
      signedHeadersParam === undefined ? "Authorization header requires 'SignedHeaders' parameter." : '',
      dateHeader === undefined
        ? "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        : '',
    ];
    const text = params === undefined ? `Authorization header must start with '${ALGORITHM} '.` : '';
    return {
      errorType: 'IncompleteSignatureException',
      message: [text, ...missing].filter(Boolean).join(' '),
    };
  }

  const date = AMZ_DATE.exec(dateHeader);
  if (date === null) {
    return {
      errorType: 'IncompleteSignatureException',
      message: `X-Amz-Date must be in the ISO8601 Long Format, yyyyMMdd'T'HHmmss'Z', got '${dateHeader}'.`,
    };
  }
  const signingDate = new Date(
    Date.UTC(
      Number(date[1]),
      Number(date[2]) - 1,
      Number(date[3]),
      Number(date[4]),
      Number(date[5]),
      Number(date[6]),
    ),
  );
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator, ...extra] = credential.split('/');
  if (terminator !== 'aws4_request' || extra.length > 0) {
    return {
      errorType: 'IncompleteSignatureException',
      message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request, got '${credential}'.`,
    };
  }
  if (accessKeyId !== expected.accessKeyId || request.headers['x-amz-security-token'] !== undefined) {
    return {
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (scopeDate !== dateHeader.slice(0, 8)) {
    return {
      errorType: 'InvalidSignatureException',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`,
    };
  }
  if (scopeRegion !== expected.region) {
    return {
      errorType: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region, not '${scopeRegion}'. `,
    };
  }
  if (scopeService !== service) {
    return {
      errorType: 'InvalidSignatureException',
      message: `Credential should be scoped to correct service: '${service}'. `,
    };
  }
  const skew = signingDate.getTime() - now.getTime();
  if (skew < -MAX_SKEW_MS) {
    return {
      errorType: 'InvalidSignatureException',
      message: `Signature expired: ${dateHeader} is now earlier than ${amzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${amzDate(now)} - 5 min.)`,
    };
  }
  if (skew > MAX_SKEW_MS) {
    return {
      errorType: 'InvalidSignatureException',
      message: `Signature not yet current: ${dateHeader} is still later than ${amzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${amzDate(now)} + 5 min.)`,
    };
  }
  const signedHeaders = signedHeadersParam.split(';');
  if (!signedHeaders.includes('host')) {
    return {
      errorType: 'InvalidSignatureException',
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    };
  }

  // Only the signed headers take part, with the values that arrived (a signed header that did not arrive
  // makes the signatures differ, as it does at API Gateway).
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const target = new URL(request.target, 'http://local');
  const signer = new RecordingSigner({
    service,
    region: expected.region,
    credentials: { accessKeyId: expected.accessKeyId, secretAccessKey: expected.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: target.hostname,
      path: target.pathname,
      query: queryOf(target.searchParams),
      headers,
      body: request.body.length === 0 ? undefined : request.body,
    }),
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const expectedSignature = parseAuthorization(signed.headers.authorization ?? '')?.get('Signature') ?? '';
  // A signed x-amz-content-sha256 must be the body's: the signer takes its value as the payload's hash.
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== bodyHash) {
    return {
      errorType: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    };
  }
  if (equalInConstantTime(signature, expectedSignature)) return undefined;
  return {
    errorType: 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n' +
      `The Canonical String for this request should have been\n'${signer.canonicalRequest}'\n\n` +
      `The String-to-Sign should have been\n'${signer.stringToSign}'\n`,
  };
}
