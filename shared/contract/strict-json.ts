import type { FieldIssue } from '../errors/index.ts';

/**
 * A strict JSON parser (RFC 8259) for request bodies, written here because `JSON.parse` keeps the
 * last of duplicate keys silently and turns a `__proto__` key into an own property that spreading
 * and `Object.assign` mistake for the prototype. The npm packages we looked at did not fit:
 * `secure-json-parse` only strips or refuses prototype keys (duplicates still collapse),
 * `@humanwhocodes/momoa` builds a full syntax tree with locations for every token and throws on the
 * first error, and `jsonc-parser` is a parser for JSON with comments. This one reports duplicate
 * and reserved keys by path, bounds nesting depth (so recursion cannot exhaust the stack), returns
 * a result instead of throwing, and builds objects without a prototype, so no key is ever dropped
 * or inherited.
 */

/** A parsed JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A parsed JSON object: it has no prototype, so each of its keys is an own property and none is inherited. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Options of {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /** Deepest nesting of arrays and objects taken; deeper input is a syntax error. */
  maxDepth: number;
  /** Keys refused wherever they appear, each reported with the rule `reserved key`. @default none */
  reservedKeys?: ReadonlySet<string>;
}

/** What {@link parseStrictJson} found. */
export type StrictJsonResult =
  /** The text is JSON, without duplicate or reserved keys. */
  | { kind: 'value'; value: JsonValue }
  /** The text is not JSON: `message` says what is wrong and where (`position` is a UTF-16 index). */
  | { kind: 'syntax-error'; message: string; position: number }
  /** The text is JSON, but some keys are repeated in their object or reserved; every one is listed. */
  | { kind: 'key-issues'; issues: FieldIssue[] };

/**
 * Parses JSON text strictly: RFC 8259 grammar only (no comments, trailing commas, single quotes,
 * `NaN`, byte-order mark or leading `+`), no key twice in one object, no reserved key anywhere.
 *
 * @example
 * ```ts
 * parseStrictJson('{"account":"bob","account":"carol"}', { maxDepth: 16 });
 * // -> { kind: 'key-issues', issues: [{ path: 'account', rule: 'duplicate key' }] }
 * ```
 */
export function parseStrictJson(text: string, options: StrictJsonOptions): StrictJsonResult {
  return new Parser(text, options).parseDocument();
}

/** Longest key shown in a path; a longer one is cut and ends with `…`, so a path stays short. */
const MAX_PATH_KEY_LENGTH = 64;

/**
 * Formats a path as `events[3].data["a b"]`: identifiers after a dot, other keys quoted (and cut
 * after 64 characters), indices in brackets. The empty path is `(body)`.
 *
 * @param prefix - an already formatted path the segments continue, or `''`
 */
export function formatJsonPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(key)) out += out ? `.${key}` : key;
    else {
      const name = String(key);
      const shown = name.length > MAX_PATH_KEY_LENGTH ? `${name.slice(0, MAX_PATH_KEY_LENGTH)}…` : name;
      out += `[${JSON.stringify(shown)}]`;
    }
  }
  return out || '(body)';
}

/** `U+0041`: how a character is named in messages. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

const FAILED: unique symbol = Symbol('failed');
type Parsed<T> = T | typeof FAILED;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const isDigit = (code: number): boolean => code >= DIGIT_0 && code <= DIGIT_9;

/** Recursive descent over UTF-16 code units; a failure is recorded once and unwinds as `FAILED`. */
class Parser {
  private pos = 0;
  private depth = 0;
  private readonly path: (string | number)[] = [];
  private readonly issues: FieldIssue[] = [];
  private failure: { message: string; position: number } | undefined;
  private readonly reserved: ReadonlySet<string>;

  constructor(
    private readonly text: string,
    private readonly options: StrictJsonOptions,
  ) {
    this.reserved = options.reservedKeys ?? new Set();
  }

  parseDocument(): StrictJsonResult {
    this.skipWhitespace();
    const value = this.parseValue();
    if (value !== FAILED) {
      this.skipWhitespace();
      if (this.pos < this.text.length) this.unexpected('the end of the body');
    }
    if (this.failure !== undefined) return { kind: 'syntax-error', ...this.failure };
    if (value === FAILED) return { kind: 'syntax-error', message: 'unreadable JSON', position: this.pos };
    if (this.issues.length > 0) return { kind: 'key-issues', issues: this.issues };
    return { kind: 'value', value };
  }

  private parseValue(): Parsed<JsonValue> {
    const code = this.text.charCodeAt(this.pos);
    if (code === OPEN_BRACE) return this.parseObject();
    if (code === OPEN_BRACKET) return this.parseArray();
    if (code === QUOTE) return this.parseString();
    if (code === MINUS || isDigit(code)) return this.parseNumber();
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.unexpected('a JSON value');
  }

  private literal<T extends JsonValue>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private parseObject(): Parsed<JsonObject> {
    if (!this.enter()) return FAILED;
    const object: JsonObject = Object.create(null);
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) return this.leave(object);
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== QUOTE) {
        return this.unexpected('a property name in double quotes');
      }
      const key = this.parseString();
      if (key === FAILED) return FAILED;
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== COLON) return this.unexpected("':'");
      this.pos++;
      this.skipWhitespace();
      this.path.push(key);
      if (this.reserved.has(key)) this.addIssue('reserved key');
      else if (Object.hasOwn(object, key)) this.addIssue('duplicate key');
      const value = this.parseValue();
      this.path.pop();
      if (value === FAILED) return FAILED;
      // The object has no prototype, so even `__proto__` is stored as a plain own property.
      object[key] = value;
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.pos);
      if (next === CLOSE_BRACE) return this.leave(object);
      if (next !== COMMA) return this.unexpected("',' or '}'");
      this.pos++;
      this.skipWhitespace();
    }
  }

  private parseArray(): Parsed<JsonValue[]> {
    if (!this.enter()) return FAILED;
    const array: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) return this.leave(array);
    for (;;) {
      this.path.push(array.length);
      const value = this.parseValue();
      this.path.pop();
      if (value === FAILED) return FAILED;
      array.push(value);
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.pos);
      if (next === CLOSE_BRACKET) return this.leave(array);
      if (next !== COMMA) return this.unexpected("',' or ']'");
      this.pos++;
      this.skipWhitespace();
    }
  }

  /** Steps into `{` or `[`, unless that nests deeper than allowed. */
  private enter(): boolean {
    if (this.depth === this.options.maxDepth) {
      this.fail(`nested deeper than ${this.options.maxDepth} levels`, this.pos);
      return false;
    }
    this.depth++;
    this.pos++;
    return true;
  }

  /** Steps over the closing `}` or `]`. */
  private leave<T>(container: T): T {
    this.depth--;
    this.pos++;
    return container;
  }

  private parseString(): Parsed<string> {
    const text = this.text;
    const opening = this.pos;
    this.pos++;
    let start = this.pos;
    let out = '';
    for (;;) {
      if (this.pos >= text.length) return this.fail('unterminated string', opening);
      const code = text.charCodeAt(this.pos);
      if (code === QUOTE) {
        out += text.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (code === BACKSLASH) {
        out += text.slice(start, this.pos);
        const escaped = this.parseEscape();
        if (escaped === FAILED) return FAILED;
        out += escaped;
        start = this.pos;
      } else if (code < 0x20) {
        return this.fail(`unescaped control character ${codePointName(code)} in a string`, this.pos);
      } else {
        this.pos++;
      }
    }
  }

  /** Reads the escape at `pos` (a backslash) and moves past it. */
  private parseEscape(): Parsed<string> {
    const at = this.pos;
    const letter = this.text.charAt(at + 1);
    const simple = SIMPLE_ESCAPES[letter];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (letter === 'u') {
      const hex = this.text.slice(at + 2, at + 6);
      if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
        this.pos += 6;
        // An escaped lone surrogate is valid JSON; the contract decides whether a field may hold one.
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
    }
    return this.fail('invalid escape sequence in a string', at);
  }

  private parseNumber(): Parsed<number> {
    const text = this.text;
    const start = this.pos;
    if (text.charCodeAt(this.pos) === MINUS) this.pos++;
    const first = text.charCodeAt(this.pos);
    if (first === DIGIT_0) this.pos++;
    else if (isDigit(first)) this.skipDigits();
    else return this.unexpected('a digit');
    if (text.charCodeAt(this.pos) === DOT) {
      this.pos++;
      if (!isDigit(text.charCodeAt(this.pos))) return this.unexpected('a digit');
      this.skipDigits();
    }
    const exponent = text.charCodeAt(this.pos);
    if (exponent === 0x65 || exponent === 0x45) {
      this.pos++;
      const sign = text.charCodeAt(this.pos);
      if (sign === PLUS || sign === MINUS) this.pos++;
      if (!isDigit(text.charCodeAt(this.pos))) return this.unexpected('a digit');
      this.skipDigits();
    }
    return Number(text.slice(start, this.pos));
  }

  private skipDigits(): void {
    while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.pos++;
    }
  }

  private addIssue(rule: string): void {
    this.issues.push({ path: formatJsonPath('', this.path), rule });
  }

  private unexpected(expected: string): typeof FAILED {
    if (this.pos >= this.text.length) {
      return this.fail(`unexpected end of input; expected ${expected}`, this.pos);
    }
    const codePoint = this.text.codePointAt(this.pos) ?? 0;
    const shown =
      codePoint > 0x20 && codePoint < 0x7f ? `'${String.fromCharCode(codePoint)}'` : codePointName(codePoint);
    return this.fail(`unexpected character ${shown}; expected ${expected}`, this.pos);
  }

  private fail(message: string, position: number): typeof FAILED {
    this.failure ??= { message: `${message} at position ${position}`, position };
    return FAILED;
  }
}
