import { formatJsonPath, parseStrictJson, type StrictJsonResult } from '#shared/contract';

const options = { maxDepth: 16, reservedKeys: new Set(['__proto__', 'constructor', 'prototype']) };
const parse = (text: string): StrictJsonResult => parseStrictJson(text, options);

describe('parseStrictJson: valid JSON', () => {
  it.each([
    ['{}'],
    ['[]'],
    ['{"a":1,"b":[true,false,null],"c":{"d":"e"}}'],
    [' \t\r\n{ "a" : [ 1 , 2 ] } \n'],
    ['"just a string"'],
    ['-0.5e-3'],
    ['0'],
    ['1E+2'],
    ['"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00"'],
    ['"😀 名"'],
    ['[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]'],
  ])('reads %s as JSON.parse does', (text) => {
    // Act
    const result = parse(text);

    // Assess
    expect(result).toEqual({ kind: 'value', value: JSON.parse(text) });
  });

  it('builds objects without a prototype', () => {
    // Act
    const result = parse('{"a":{"b":1}}');

    // Assess
    expect(result.kind).toBe('value');
    const value = result.kind === 'value' ? result.value : undefined;
    expect(Object.getPrototypeOf(value)).toBeNull();
    const inner = typeof value === 'object' && value !== null && !Array.isArray(value) ? value.a : undefined;
    expect(Object.getPrototypeOf(inner)).toBeNull();
  });

  it('keeps an escaped lone surrogate (the contract decides on it)', () => {
    // Act & Assess
    expect(parse('"\\ud800"')).toEqual({ kind: 'value', value: '\ud800' });
  });

  it('takes a 256 KiB body quickly', () => {
    // Prepare
    const events = Array.from({ length: 100 }, (_, i) => ({
      eventId: `e${i}`,
      groupId: '@TGS#2CLUZEAEJ',
      account: `user${i}`,
      action: 'unmute',
      reason: 'r'.repeat(2_500),
    }));
    const text = JSON.stringify({ events });
    const started = performance.now();

    // Act
    const result = parse(text);

    // Assess
    expect(result).toEqual({ kind: 'value', value: { events } });
    expect(text.length).toBeGreaterThan(250_000);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('parseStrictJson: keys', () => {
  it.each([
    ['{"account":"bob","account":"carol"}', [{ path: 'account', rule: 'duplicate key' }]],
    [
      '{"events":[{"a":1},{"a":1},{"account":"bob","account":"carol"}]}',
      [{ path: 'events[2].account', rule: 'duplicate key' }],
    ],
    ['{"events":[],"events":[]}', [{ path: 'events', rule: 'duplicate key' }]],
    [
      '{"data":{"k":"1","k":"2","k":"3"}}',
      [
        { path: 'data.k', rule: 'duplicate key' },
        { path: 'data.k', rule: 'duplicate key' },
      ],
    ],
    ['{"a b":1,"a b":2}', [{ path: '["a b"]', rule: 'duplicate key' }]],
  ])('reports a duplicate key in %s by path', (text, issues) => {
    // Act & Assess
    expect(parse(text)).toEqual({ kind: 'key-issues', issues });
  });

  it.each([
    ['{"__proto__":{"polluted":true}}', '__proto__'],
    ['{"events":[{"constructor":"x"}]}', 'events[0].constructor'],
    ['{"data":{"prototype":"x"}}', 'data.prototype'],
    ['[{"x":{"y":{"__proto__":null}}}]', '[0].x.y.__proto__'],
  ])('reports a reserved key in %s', (text, path) => {
    // Act & Assess
    expect(parse(text)).toEqual({ kind: 'key-issues', issues: [{ path, rule: 'reserved key' }] });
  });

  it('never drops a __proto__ key when none is reserved', () => {
    // Act
    const result = parseStrictJson('{"__proto__":{"x":1}}', { maxDepth: 4 });

    // Assess
    const value = result.kind === 'value' ? result.value : undefined;
    expect(value !== null && typeof value === 'object' && Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('parseStrictJson: not JSON', () => {
  it.each([
    ['', /^unexpected end of input; expected a JSON value at position 0$/],
    ['{"a":1,}', /^unexpected character '}'; expected a property name in double quotes at position 7$/],
    ['[1,]', /^unexpected character ']'; expected a JSON value at position 3$/],
    ["{'a':1}", /^unexpected character '''; expected a property name/],
    ['{"a":1} x', /^unexpected character 'x'; expected the end of the body at position 8$/],
    ['{"a":01}', /^unexpected character '1'; expected ',' or '}' at position 6$/],
    ['{"a":+1}', /^unexpected character '\+'; expected a JSON value/],
    ['{"a":1.}', /^unexpected character '}'; expected a digit/],
    ['{"a":NaN}', /^unexpected character 'N'/],
    ['{"a":"x\ny"}', /^unescaped control character U\+000A in a string at position 7$/],
    ['{"a":"\\x41"}', /^invalid escape sequence in a string at position 6$/],
    ['{"a":"\\u12G4"}', /^invalid escape sequence in a string/],
    ['{"a":"open', /^unterminated string at position 5$/],
    ['\uFEFF{}', /^unexpected character U\+FEFF; expected a JSON value at position 0$/],
    ['{"a":1}/* comment */', /^unexpected character '\/'/],
    ['{"a" 1}', /^unexpected character '1'; expected ':'/],
  ])('refuses %j', (text, message) => {
    // Act
    const result = parse(text);

    // Assess
    expect(result.kind).toBe('syntax-error');
    expect(result.kind === 'syntax-error' ? result.message : '').toMatch(message);
  });

  it('refuses nesting deeper than maxDepth without deep recursion', () => {
    // Prepare: 100,000 levels would overflow a recursive parser without a bound.
    const text = '['.repeat(100_000) + ']'.repeat(100_000);

    // Act
    const result = parse(text);

    // Assess
    expect(result).toEqual({
      kind: 'syntax-error',
      message: 'nested deeper than 16 levels at position 16',
      position: 16,
    });
  });

  it('reports a syntax error over key issues', () => {
    // Act & Assess
    expect(parse('{"a":1,"a":2').kind).toBe('syntax-error');
  });
});

describe('formatJsonPath', () => {
  it.each<[string, PropertyKey[], string]>([
    ['', [], '(body)'],
    ['', ['events', 3, 'data', 'a b'], 'events[3].data["a b"]'],
    ['events[1]', ['durationSeconds'], 'events[1].durationSeconds'],
    ['', ['k\u0000'], '["k\\u0000"]'],
    ['', ['x'.repeat(100)], `["${'x'.repeat(64)}…"]`],
  ])('formats %j + %j as %s', (prefix, path, expected) => {
    expect(formatJsonPath(prefix, path)).toBe(expected);
  });
});
