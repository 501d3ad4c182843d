/**
 * The dead-letter record format. A dead-lettered message keeps the original queue message body
 * byte for byte (so a redrive hands the consumer exactly what it was first given) and carries the
 * reason in SQS message attributes. A message that SQS's own redrive policy moved (the consumer
 * crashed on it too often) arrives without these attributes.
 */

/** Why an event ended in the dead-letter queue. */
export type DeadLetterKind =
  /** Tencent answered with an error that no retry can fix. */
  | 'tencent_permanent'
  /** Transient failures went on until the maximum number of attempts. */
  | 'retries_exhausted'
  /** The queue message could not be read (corrupt, or an unknown format version). */
  | 'invalid_message';

/** The reason for dead-lettering, as the consumer records it. Never holds a UserSig or key. */
export interface DeadLetterReason {
  kind: DeadLetterKind;
  /** Tencent's `ErrorCode`, when Tencent answered. */
  errorCode?: number;
  /** Tencent's `ErrorInfo`, or the transport or parse error. */
  errorInfo: string;
  /** Real Tencent attempts that counted toward the limit (receives that were deferred or held do not count). */
  attempts: number;
  /** When the consumer dead-lettered it. */
  deadLetteredAt: Date;
  /** The event's id, when the message could be read. */
  eventId?: string;
}

/** SQS message attribute names of a dead-letter record. */
export const DEAD_LETTER_ATTRIBUTES = {
  kind: 'bridge.errorKind',
  errorCode: 'bridge.errorCode',
  errorInfo: 'bridge.errorInfo',
  attempts: 'bridge.attempts',
  deadLetteredAt: 'bridge.deadLetteredAt',
  eventId: 'bridge.eventId',
} as const;

/** The shape of an SQS message attribute value, as both the send and the receive APIs use it. */
export interface StringOrNumberAttribute {
  DataType: 'String' | 'Number';
  StringValue: string;
}

/** Longest `errorInfo` kept, in characters; SQS caps a message's total size. */
const MAX_INFO_CHARS = 1_000;

/**
 * Makes text safe for an SQS attribute value: at most `MAX_INFO_CHARS` code points (never half a
 * surrogate pair), with the characters SQS refuses (controls other than tab and newlines, lone
 * surrogates, U+FFFE and U+FFFF) replaced by U+FFFD.
 */
function attributeText(text: string): string {
  const safe = Array.from(text.slice(0, MAX_INFO_CHARS * 2))
    .slice(0, MAX_INFO_CHARS)
    .map((char) =>
      /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD]$|^[\u{10000}-\u{10FFFF}]$/u.test(char) ? char : '\uFFFD',
    )
    .join('');
  return safe || '(none)';
}

/** Encodes a reason as SQS message attributes. */
export function toDeadLetterAttributes(reason: DeadLetterReason): Record<string, StringOrNumberAttribute> {
  const attributes: Record<string, StringOrNumberAttribute> = {
    [DEAD_LETTER_ATTRIBUTES.kind]: { DataType: 'String', StringValue: reason.kind },
    [DEAD_LETTER_ATTRIBUTES.errorInfo]: { DataType: 'String', StringValue: attributeText(reason.errorInfo) },
    [DEAD_LETTER_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: String(reason.attempts) },
    [DEAD_LETTER_ATTRIBUTES.deadLetteredAt]: {
      DataType: 'String',
      StringValue: reason.deadLetteredAt.toISOString(),
    },
  };
  if (reason.errorCode !== undefined) {
    attributes[DEAD_LETTER_ATTRIBUTES.errorCode] = {
      DataType: 'Number',
      StringValue: String(reason.errorCode),
    };
  }
  if (reason.eventId !== undefined) {
    attributes[DEAD_LETTER_ATTRIBUTES.eventId] = {
      DataType: 'String',
      StringValue: attributeText(reason.eventId),
    };
  }
  return attributes;
}

/** A received attribute value, as `ReceiveMessage` returns it. */
export interface ReceivedAttribute {
  StringValue?: string | undefined;
  DataType?: string | undefined;
}

/**
 * Decodes the reason of a received dead-letter message. Returns `undefined` for a message that SQS's
 * redrive policy moved, which has no reason attributes.
 */
export function fromDeadLetterAttributes(
  attributes: Readonly<Record<string, ReceivedAttribute>> | undefined,
): DeadLetterReason | undefined {
  const read = (name: string): string | undefined => attributes?.[name]?.StringValue;
  const kind = read(DEAD_LETTER_ATTRIBUTES.kind);
  if (kind !== 'tencent_permanent' && kind !== 'retries_exhausted' && kind !== 'invalid_message') {
    return undefined;
  }
  const code = read(DEAD_LETTER_ATTRIBUTES.errorCode);
  const eventId = read(DEAD_LETTER_ATTRIBUTES.eventId);
  return {
    kind,
    errorInfo: read(DEAD_LETTER_ATTRIBUTES.errorInfo) ?? '',
    attempts: Number(read(DEAD_LETTER_ATTRIBUTES.attempts) ?? 0),
    deadLetteredAt: new Date(read(DEAD_LETTER_ATTRIBUTES.deadLetteredAt) ?? 0),
    ...(code === undefined ? {} : { errorCode: Number(code) }),
    ...(eventId === undefined ? {} : { eventId }),
  };
}
