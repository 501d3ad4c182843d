import { MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from '#shared/errors';
import { checkContentHeaders, decodeRequestBody, parseMediaType } from '#shared/http';

/** The error `act` throws (a failure if it throws none). */
function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('checkContentHeaders', () => {
  it.each([
    ['application/json', undefined],
    ['Application/JSON', undefined],
    ['application/json; charset=utf-8', undefined],
    ['application/json;charset=UTF-8', undefined],
    ['application/json; charset="utf-8"', undefined],
    ['application/json; charset="UTF-8" ; foo=bar', undefined],
    ['application/json;', undefined],
    ['application/json', 'identity'],
    ['application/json', 'Identity'],
    ['application/json', ''],
  ])('takes Content-Type %j with Content-Encoding %j', (contentType, contentEncoding) => {
    // Act & Assess
    expect(() => checkContentHeaders(contentType, contentEncoding)).not.toThrow();
  });

  it.each([
    [undefined, undefined, 'Content-Type must be application/json, got none'],
    ['text/plain', undefined, "Content-Type must be application/json, got 'text/plain'"],
    ['application/jsonx', undefined, "Content-Type must be application/json, got 'application/jsonx'"],
    ['application/json; charset=latin1', undefined, "Content-Type charset must be utf-8, got 'latin1'"],
    ['application/json; CHARSET="utf-16"', undefined, "Content-Type charset must be utf-8, got 'utf-16'"],
    [
      'application/json; charset=utf-8; charset=iso-8859-1',
      undefined,
      "Content-Type charset must be utf-8, got 'iso-8859-1'",
    ],
    [
      'application/json; charset',
      undefined,
      "Content-Type has malformed parameters: 'application/json; charset'",
    ],
    [
      'application/json; charset="utf-8',
      undefined,
      `Content-Type has malformed parameters: 'application/json; charset="utf-8'`,
    ],
    [
      'application/json',
      'gzip',
      "Content-Encoding must be identity or absent (send the body uncompressed), got 'gzip'",
    ],
    [
      'application/json',
      'identity, br',
      "Content-Encoding must be identity or absent (send the body uncompressed), got 'identity, br'",
    ],
  ])('refuses Content-Type %j with Content-Encoding %j: %s', (contentType, contentEncoding, message) => {
    // Act
    const error = thrown(() => checkContentHeaders(contentType, contentEncoding));

    // Assess
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(error).toHaveProperty('message', message);
  });

  it('quotes at most 100 characters of a header back', () => {
    // Act
    const error = thrown(() => checkContentHeaders(`text/${'x'.repeat(5_000)}`, undefined));

    // Assess
    expect(error).toHaveProperty(
      'message',
      `Content-Type must be application/json, got 'text/${'x'.repeat(95)}…'`,
    );
  });
});

describe('parseMediaType', () => {
  it('reads quoted values with escapes', () => {
    expect(parseMediaType('Application/Json; A="x\\"y"; b=c')).toEqual({
      essence: 'application/json',
      parameters: [
        { name: 'a', value: 'x"y' },
        { name: 'b', value: 'c' },
      ],
    });
  });
});

describe('decodeRequestBody', () => {
  const json = '{"a":"é"}';
  const base64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');

  it('returns a text body as it is', () => {
    expect(decodeRequestBody(json, false, 100)).toBe(json);
  });

  it('decodes a base64 body', () => {
    expect(decodeRequestBody(base64(json), true, 100)).toBe(json);
  });

  it.each([
    ['junk inside', `${base64(json).slice(0, 4)}!!${base64(json).slice(4)}`],
    ['trailing junk', `${base64(json)}!`],
    ['trailing characters after padding', `${base64('ab')}AA`],
    ['missing padding', base64('ab').replace(/=+$/, '')],
    [
      'the URL-safe alphabet',
      base64(Buffer.from([0xfb, 0xff]))
        .replace('+', '-')
        .replace('/', '_'),
    ],
    ['line breaks', `${base64(json).slice(0, 4)}\n${base64(json).slice(4)}`],
    ['non-zero padding bits', 'QR=='],
  ])('refuses base64 with %s', (_name, body) => {
    // Act
    const error = thrown(() => decodeRequestBody(body, true, 10_000));

    // Assess
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(error).toHaveProperty('message', 'request body is not valid base64');
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x7b, 0x80, 0x7d])],
    ['a truncated sequence', Buffer.from([0x7b, 0xe5, 0x90, 0x7d])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['0xFF bytes', Buffer.alloc(10, 0xff)],
  ])('refuses bytes that are not UTF-8: %s', (_name, bytes) => {
    // Act
    const error = thrown(() => decodeRequestBody(base64(bytes), true, 10_000));

    // Assess
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(error).toHaveProperty('message', 'request body is not valid UTF-8');
  });

  it('refuses text holding an unpaired surrogate', () => {
    // Act
    const error = thrown(() => decodeRequestBody('{"a":"\ud800"}', false, 100));

    // Assess
    expect(error).toHaveProperty(
      'message',
      'request body is not valid UTF-8: it holds an unpaired surrogate',
    );
  });

  it.each([
    ['text', '\uFEFF{}', false],
    ['base64', base64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')])), true],
  ])('refuses a byte-order mark in a %s body', (_name, body, isBase64Encoded) => {
    // Act
    const error = thrown(() => decodeRequestBody(body, isBase64Encoded, 100));

    // Assess
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(error).toHaveProperty('message', expect.stringContaining('byte-order mark'));
  });

  it.each([
    ['text', null, false],
    ['text', '', false],
    ['base64', '', true],
  ])('refuses an empty %s body', (_name, body, isBase64Encoded) => {
    // Act & Assess
    expect(thrown(() => decodeRequestBody(body, isBase64Encoded, 100))).toHaveProperty(
      'message',
      'request body is empty; expected a JSON event',
    );
  });

  it.each([
    ['text, counted in UTF-8 bytes', 'é'.repeat(51), false],
    ['base64, counted after decoding', base64('x'.repeat(101)), true],
    ['base64 far too long to decode', 'A'.repeat(1_000_000), true],
  ])('refuses a body over the limit: %s', (_name, body, isBase64Encoded) => {
    // Act & Assess
    expect(thrown(() => decodeRequestBody(body, isBase64Encoded, 100))).toBeInstanceOf(PayloadTooLargeError);
  });

  it('takes a body of exactly the limit', () => {
    expect(decodeRequestBody(base64('x'.repeat(100)), true, 100)).toHaveLength(100);
  });
});
