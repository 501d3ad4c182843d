import { fromDeadLetterAttributes, toDeadLetterAttributes } from '#shared/queue';

const reason = {
  kind: 'tencent_permanent' as const,
  errorCode: 10010,
  errorInfo: 'group not found',
  attempts: 2,
  deadLetteredAt: new Date('2026-11-26T12:00:00.000Z'),
  eventId: 'evt-1',
};

describe('dead-letter attributes', () => {
  it('round-trip a reason', () => {
    // Act
    const attributes = toDeadLetterAttributes(reason);

    // Assess
    expect(fromDeadLetterAttributes(attributes)).toEqual(reason);
    expect(attributes['bridge.errorCode']).toEqual({ DataType: 'Number', StringValue: '10010' });
  });

  it('read a message moved by SQS itself (no attributes) as having no reason', () => {
    expect(fromDeadLetterAttributes(undefined)).toBeUndefined();
    expect(fromDeadLetterAttributes({})).toBeUndefined();
  });

  it('keep errorInfo within what SQS accepts: no control characters, no half surrogate pair', () => {
    // Prepare: 999 characters, then an emoji across the 1000-character cut; and a NUL byte.
    const info = `\u0000${'x'.repeat(998)}😀tail`;

    // Act
    const value =
      toDeadLetterAttributes({ ...reason, errorInfo: info })['bridge.errorInfo']?.StringValue ?? '';

    // Assess
    expect(value.startsWith('\uFFFDx')).toBe(true);
    expect(Array.from(value)).toHaveLength(1000);
    expect(value.endsWith('😀')).toBe(true);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(value)).toBe(false);
  });

  it('never send an empty attribute value', () => {
    expect(toDeadLetterAttributes({ ...reason, errorInfo: '' })['bridge.errorInfo']?.StringValue).toBe(
      '(none)',
    );
  });
});
