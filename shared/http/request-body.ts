import { MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/index.ts';

/**
 * The request headers and body of `POST /v1/events`, checked and decoded to text before any JSON is
 * read: `application/json` in UTF-8, no content coding, strict base64 when API Gateway encoded the
 * body, valid UTF-8 without a byte-order mark.
 */

/** Longest header value quoted back in a message. */
const MAX_QUOTED_LENGTH = 100;

/** Quotes a value the client sent, cut short so that a message stays small. */
function quoted(value: string): string {
  return `'${value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value}'`;
}

/** An RFC 9110 token: a media type's type, subtype and parameter names, and unquoted values. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A media type parameter: the name lower-cased, the value as sent (unquoted). */
interface MediaTypeParameter {
  name: string;
  value: string;
}

/** A `Content-Type` value, read. */
interface MediaType {
  /** `type/subtype`, lower-cased; `undefined` when the value does not start with one. */
  essence: string | undefined;
  /** The parameters; `undefined` when they do not follow the grammar. */
  parameters: MediaTypeParameter[] | undefined;
}

/**
 * Reads a `Content-Type` value (RFC 9110 section 8.3.1): `type/subtype *( OWS ";" OWS [ name=value ] )`
 * where a value is a token or a quoted string.
 */
export function parseMediaType(header: string): MediaType {
  const semicolon = header.indexOf(';');
  const essence = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const [type, subtype, extra] = essence.split('/');
  const valid = type !== undefined && subtype !== undefined && extra === undefined;
  if (!valid || !TOKEN.test(type) || !TOKEN.test(subtype))
    return { essence: undefined, parameters: undefined };
  return { essence, parameters: parseParameters(header, semicolon === -1 ? header.length : semicolon) };
}

/** Reads the parameters that start at `start` (a `;`, or the end of the value). */
function parseParameters(header: string, start: number): MediaTypeParameter[] | undefined {
  const parameters: MediaTypeParameter[] = [];
  let pos = start;
  while (pos < header.length) {
    // At a ';': skip it and the optional whitespace after it; an empty parameter is allowed.
    pos++;
    while (header[pos] === ' ' || header[pos] === '\t') pos++;
    if (pos >= header.length || header[pos] === ';') continue;
    const equals = header.indexOf('=', pos);
    if (equals === -1) return undefined;
    const name = header.slice(pos, equals).toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    pos = equals + 1;
    let value = '';
    if (header[pos] === '"') {
      pos++;
      for (;;) {
        const char = header[pos];
        if (char === undefined) return undefined;
        pos++;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = header[pos];
          if (escaped === undefined) return undefined;
          value += escaped;
          pos++;
        } else {
          value += char;
        }
      }
    } else {
      const end = header.indexOf(';', pos);
      value = header.slice(pos, end === -1 ? header.length : end).trimEnd();
      if (!TOKEN.test(value)) return undefined;
      pos += value.length;
    }
    while (header[pos] === ' ' || header[pos] === '\t') pos++;
    if (pos < header.length && header[pos] !== ';') return undefined;
    parameters.push({ name, value });
  }
  return parameters;
}

/**
 * Checks the `Content-Type` and `Content-Encoding` of a request: JSON in UTF-8 (a `charset`
 * parameter may be given, and must then be `utf-8`, in any case, quoted or not), sent without a
 * content coding (`Content-Encoding` absent or `identity`).
 *
 * @throws {@link UnsupportedMediaTypeError} saying which of the two is wrong
 */
export function checkContentHeaders(
  contentType: string | undefined,
  contentEncoding: string | undefined,
): void {
  const mediaType = parseMediaType(contentType ?? '');
  if (mediaType.essence !== 'application/json') {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be application/json, got ${contentType ? quoted(contentType) : 'none'}`,
    );
  }
  if (mediaType.parameters === undefined) {
    throw new UnsupportedMediaTypeError(
      `Content-Type has malformed parameters: ${quoted(contentType ?? '')}`,
    );
  }
  for (const { name, value } of mediaType.parameters) {
    if (name === 'charset' && value.toLowerCase() !== 'utf-8') {
      throw new UnsupportedMediaTypeError(`Content-Type charset must be utf-8, got ${quoted(value)}`);
    }
  }
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  if (codings.some((coding) => coding !== 'identity')) {
    throw new UnsupportedMediaTypeError(
      `Content-Encoding must be identity or absent (send the body uncompressed), got ${quoted(contentEncoding ?? '')}`,
    );
  }
}

/** A fatal decoder keeps the byte-order mark (`ignoreBOM`), so that it can be refused, not silently dropped. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A UTF-16 surrogate without its other half: text that has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const BOM_MESSAGE = 'request body starts with a byte-order mark (U+FEFF); send UTF-8 JSON without it';

/**
 * The request body as text. A base64 body (API Gateway's encoding of a binary body) must be
 * canonical base64 (`Buffer.from` alone skips junk characters); the bytes must be UTF-8.
 *
 * @param maxBytes - the largest body taken, counted in bytes after base64 decoding
 * @throws {@link PayloadTooLargeError}, or {@link MalformedBodyError} for an empty body, bad base64,
 *   bytes that are not UTF-8, or a byte-order mark
 */
export function decodeRequestBody(
  body: string | null | undefined,
  isBase64Encoded: boolean,
  maxBytes: number,
): string {
  const raw = body ?? '';
  if (!isBase64Encoded) {
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw new PayloadTooLargeError(maxBytes);
    if (raw.length === 0) throw emptyBody();
    if (raw.charCodeAt(0) === 0xfeff) throw new MalformedBodyError(BOM_MESSAGE);
    if (LONE_SURROGATE.test(raw)) {
      throw new MalformedBodyError('request body is not valid UTF-8: it holds an unpaired surrogate');
    }
    return raw;
  }

  // Base64 of maxBytes bytes takes at most this many characters: anything longer is too large anyway.
  if (raw.length > 4 * Math.ceil(maxBytes / 3)) throw new PayloadTooLargeError(maxBytes);
  const bytes = Buffer.from(raw, 'base64');
  // Decoding skips characters outside the alphabet and stray padding; only canonical base64 encodes back to itself.
  if (bytes.toString('base64') !== raw) throw new MalformedBodyError('request body is not valid base64');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  if (bytes.length === 0) throw emptyBody();
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new MalformedBodyError(BOM_MESSAGE);
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new MalformedBodyError('request body is not valid UTF-8', { cause: error });
  }
}

/**
 * The request body exactly as received, for a signature check that must run before it is read: the
 * text API Gateway passed, or the bytes of a base64 body. Only its size is checked here (so that an
 * unauthenticated request cannot make the check hash more than `maxBytes`); {@link decodeRequestBody}
 * checks the rest afterwards.
 *
 * @throws {@link PayloadTooLargeError}
 */
export function receivedBody(
  body: string | null | undefined,
  isBase64Encoded: boolean,
  maxBytes: number,
): string | Buffer {
  const raw = body ?? '';
  if (!isBase64Encoded) {
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw new PayloadTooLargeError(maxBytes);
    return raw;
  }
  if (raw.length > 4 * Math.ceil(maxBytes / 3)) throw new PayloadTooLargeError(maxBytes);
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return bytes;
}

const emptyBody = () => new MalformedBodyError('request body is empty; expected a JSON event');
