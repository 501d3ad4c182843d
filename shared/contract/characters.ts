import { codePointName } from './strict-json.ts';

/**
 * The character rules of the contract's text fields, and the small helpers its schemas share. Every
 * field that reaches the queue either is restricted to printable ASCII or is checked here for the
 * characters SQS refuses (its allowed set is #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF), so that a valid event is never refused by the queue.
 */

/** Makes a zod error option that says "is required" for a missing value and `rule` otherwise. */
export const rule = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message),
});

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

/** A range of a `u`-mode character class, code points `from` to `to`, escaped (`\uFDD0`, `\u{1FFFE}`). */
const range = (from: number, to: number): string => {
  const escaped = (codePoint: number) => {
    const hex = codePoint.toString(16).toUpperCase();
    return codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
  };
  return `${escaped(from)}-${escaped(to)}`;
};

/** C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F); `allowLineBreaks` keeps tab, LF and CR. */
const controlRanges = (allowLineBreaks: boolean): string =>
  (allowLineBreaks ? range(0x00, 0x08) + range(0x0b, 0x0c) + range(0x0e, 0x1f) : range(0x00, 0x1f)) +
  range(0x7f, 0x9f);

/**
 * Surrogates (in `u` mode only an unpaired one matches: a pair is one code point) and the Unicode
 * non-characters: U+FDD0-U+FDEF and the last two code points of each of the 17 planes.
 */
const OTHER_FORBIDDEN_RANGES =
  range(0xd800, 0xdfff) +
  range(0xfdd0, 0xfdef) +
  Array.from({ length: 17 }, (_, plane) => range(plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff)).join(
    '',
  );

/**
 * The characters a text field must not hold, as one regular expression class: the single definition
 * that both {@link forbiddenCharacterRule} and the text fields' `pattern` (in the OpenAPI document)
 * are made of, so the two cannot disagree.
 */
const forbiddenClass = (allowLineBreaks: boolean): string =>
  controlRanges(allowLineBreaks) + OTHER_FORBIDDEN_RANGES;

const FORBIDDEN = {
  strict: new RegExp(`[${forbiddenClass(false)}]`, 'u'),
  lineBreaks: new RegExp(`[${forbiddenClass(true)}]`, 'u'),
};

/**
 * The pattern of a text field without forbidden characters (JSON Schema 2020-12 patterns are read
 * in `u` mode, as here).
 */
const allowedTextPattern = (allowLineBreaks: boolean): RegExp =>
  new RegExp(`^[^${forbiddenClass(allowLineBreaks)}]*$`, 'u');

/**
 * The first character of `value` a text field must not hold, as a rule, or `undefined` when it holds
 * none: C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F); tab, line feed
 * and carriage return only where `allowLineBreaks`; unpaired surrogates (no UTF-8 form); Unicode
 * non-characters (U+FDD0-U+FDEF and every code point ending in FFFE or FFFF; SQS refuses U+FFFE
 * and U+FFFF).
 */
export function forbiddenCharacterRule(value: string, allowLineBreaks = false): string | undefined {
  const found = (allowLineBreaks ? FORBIDDEN.lineBreaks : FORBIDDEN.strict).exec(value)?.[0].codePointAt(0);
  if (found === undefined) return undefined;
  if (found < 0x20 || (found >= 0x7f && found <= 0x9f)) {
    const which = allowLineBreaks ? 'control characters other than tab, LF and CR' : 'control characters';
    return `must not contain ${which} (${codePointName(found)})`;
  }
  if (found >= 0xd800 && found <= 0xdfff)
    return `must not contain unpaired surrogates (${codePointName(found)})`;
  return `must not contain Unicode non-characters (${codePointName(found)})`;
}

/**
 * The check of a text field's characters: its pattern (so the OpenAPI document carries it), with the
 * rule naming the first offending character; `prefix` starts the rule (`values ` for `data`).
 */
export const allowedCharacters = (allowLineBreaks: boolean, prefix = '') =>
  [
    allowedTextPattern(allowLineBreaks),
    {
      error: (issue: { input?: unknown }) =>
        `${prefix}${
          (typeof issue.input === 'string'
            ? forbiddenCharacterRule(issue.input, allowLineBreaks)
            : undefined) ?? 'must not contain control characters or non-characters'
        }`,
    },
  ] as const;
