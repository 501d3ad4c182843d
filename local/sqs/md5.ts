/**
 * The digests SQS returns with each message. The SDK checks `MD5OfMessageBody` / `MD5OfBody` against
 * the body it sent or received and throws on a mismatch, so these must match SQS bit for bit.
 */
import { createHash } from 'node:crypto';

/** One message attribute (or message system attribute) value as SQS stores it. */
export interface AttributeValue {
  /** `String`, `Number` or `Binary`, optionally with a custom suffix (`Number.int`). */
  DataType: string;
  StringValue?: string;
  /** Raw bytes of a `Binary` value. */
  BinaryValue?: Uint8Array;
}

/** Hex MD5 of a message body, as `MD5OfMessageBody`. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([prefix, bytes]);
}

/**
 * Hex MD5 of message attributes by SQS's algorithm: names in ascending order; for each, the name,
 * the data type and the value as 4-byte big-endian length plus bytes, with a transport byte before
 * the value (1 for String and Number, 2 for Binary). Returns `undefined` when there are none.
 *
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
export function md5OfAttributes(attributes: Readonly<Record<string, AttributeValue>>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name];
    if (value === undefined) continue;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, 'utf8')));
    if (value.DataType.startsWith('Binary')) {
      hash.update(Uint8Array.of(2));
      hash.update(lengthPrefixed(value.BinaryValue ?? new Uint8Array()));
    } else {
      hash.update(Uint8Array.of(1));
      hash.update(lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}
