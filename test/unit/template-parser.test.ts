// The request template language (src/workload/template-parser.ts, template-scope.ts): what each
// hole parses to, and every problem with its offset and the hole quoted.
import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/workload/template-parser.js';
import { EMPTY_SCOPE, scopeOf } from '../../src/workload/template-scope.js';
import type { HoleValue, TemplatePart } from '../../src/workload/template.js';

const parse = (text: string, opts: { json?: boolean } = {}) => parseTemplate(text, EMPTY_SCOPE, opts);
/** The parts, holes as their value (and `json` when set). */
const shape = (parts: TemplatePart[]) => parts.map((p) => (typeof p === 'string' ? p : p.json ? { json: p.value } : p.value));

describe('parseTemplate: holes', () => {
  it.each<[string, Array<string | HoleValue | { json: HoleValue }>]>([
    ['/r/{{ seq }}', ['/r/', { kind: 'seq' }]],
    ['/r/{{seq}}', ['/r/', { kind: 'seq' }]],
    ['{{ uuid }}', [{ kind: 'uuid' }]],
    ['t={{ now.ms }}', ['t=', { kind: 'now.ms' }]],
    ['/r/{{ seq }}?u={{ random.int(1, 1000000) }}', ['/r/', { kind: 'seq' }, '?u=', { kind: 'int', min: 1, max: 1000000 }]],
    ['{{ random.int(-5,5) }}', [{ kind: 'int', min: -5, max: 5 }]],
    ['{{ random.int(7, 7) }}', [{ kind: 'int', min: 7, max: 7 }]],
    ["{{ random.pick('a', \"b c\", 3) }}", [{ kind: 'pick', options: ['a', 'b c', '3'] }]],
    ['{{ random.string(12) }}', [{ kind: 'string', length: 12 }]],
    ['"{{ json(random.pick(\'a"b\')) }}"', ['"', { json: { kind: 'pick', options: ['a"b'] } }, '"']],
    // A literal "{{": a string hole.
    ["{{ '{{' }} x", [{ kind: 'pick', options: ['{{'] }, ' x']],
    // Text without holes, and lone braces, are literal.
    ['/a/{b}/}}', ['/a/{b}/}}']],
    ['{{\tseq\t}}', [{ kind: 'seq' }]],
  ])('%s', (text, want) => {
    const r = parse(text);
    expect(r.problems).toEqual([]);
    expect(shape(r.parts)).toEqual(want);
  });

  it('each hole keeps its source text', () => {
    const r = parse('/r/{{ seq }}?u={{random.int(1,2)}}');
    expect(r.parts.filter((p) => typeof p !== 'string').map((p) => (p as { source: string }).source)).toEqual(['{{ seq }}', '{{random.int(1,2)}}']);
  });

  it('json: true escapes every hole (a structured body)', () => {
    expect(shape(parse('{"a":"{{ seq }}"}', { json: true }).parts)).toEqual(['{"a":"', { json: { kind: 'seq' } }, '"}']);
  });

  it('names of the scope become var holes (data columns, captures: later)', () => {
    const r = parseTemplate('{{ users.email }}/{{ json(item_id) }}', scopeOf(['users.email', 'item_id']));
    expect(r.problems).toEqual([]);
    expect(shape(r.parts)).toEqual([{ kind: 'var', name: 'users.email' }, '/', { json: { kind: 'var', name: 'item_id' } }]);
  });
});

describe('parseTemplate: problems, each at its {{ with the hole quoted', () => {
  it.each<[string, Array<[number, string]>]>([
    ['/r/{{ sq }}', [[3, "unknown name 'sq' in '{{ sq }}', did you mean 'seq'?"]]],
    ['/{{ lower(seq) }}', [[1, "unknown function 'lower' in '{{ lower(seq) }}' (known: seq, uuid, now.ms, random.int, random.pick, random.string, json)"]]],
    ['{{ random.itn(1, 2) }}', [[0, "unknown function 'random.itn' in '{{ random.itn(1, 2) }}', did you mean 'random.int'?"]]],
    ['{{ random.int(5, 1) }}', [[0, "random.int(5, 1): the lower bound 5 is above the upper bound 1 in '{{ random.int(5, 1) }}'"]]],
    ['{{ random.int(5) }}', [[0, "random.int(a, b) takes two whole numbers, found 1 argument in '{{ random.int(5) }}'"]]],
    ["{{ random.int(1, 'x') }}", [[0, "random.int(a, b) takes two whole numbers (up to ±2^53), found the string 'x' in '{{ random.int(1, 'x') }}'"]]],
    ['{{ random.int(1.5, 2) }}', [[0, "expected a whole number, found '1.…' in '{{ random.int(1.5, 2) }}'"]]],
    ['{{ random.pick() }}', [[0, "random.pick(a, b, …) takes at least one value, found none in '{{ random.pick() }}'"]]],
    ['{{ random.pick(seq) }}', [[0, "random.pick(a, b, …) takes strings and numbers, found 'seq' in '{{ random.pick(seq) }}'"]]],
    ['{{ random.string(0) }}', [[0, "random.string(n) takes a length from 1 to 4096, found 0 in '{{ random.string(0) }}'"]]],
    ['{{ random.string(1, 2) }}', [[0, "random.string(n) takes one length, found 2 arguments in '{{ random.string(1, 2) }}'"]]],
    ['{{ random.int }}', [[0, "random.int is a function: write random.int(a, b) in '{{ random.int }}'"]]],
    ['{{ seq() }}', [[0, "seq takes no arguments: write {{ seq }} in '{{ seq() }}'"]]],
    ['{{ json(json(seq)) }}', [[0, "json(json(…)) would escape twice in '{{ json(json(seq)) }}'"]]],
    ['/r/{{ seq', [[3, "unclosed '{{' (expected '}}') in '{{ seq'"]]],
    ['/r/{{ seq }', [[3, "unexpected '}', expected '}}' in '{{ seq }'"]]],
    ['{{ }}', [[0, "unexpected '}}', expected a name such as seq or random.int(1, 10) in '{{ }}'"]]],
    ["{{ random.pick('a }}", [[0, "unclosed string (expected a closing ') in '{{ random.pick('a }}'"]]],
    ['{{ random.int(1 2) }}', [[0, "unexpected '2' in the arguments of random.int(…), expected ',' or ')' in '{{ random.int(1 2) }}'"]]],
    ['{{ seq seq }}', [[0, "unexpected 's', expected '}}' in '{{ seq seq }}'"]]],
    // Every problem at once, each at its own hole.
    ['/{{ a }}/{{ seq }}/{{ random.int(2, 1) }}', [
      [1, "unknown name 'a' in '{{ a }}' (known: seq, uuid, now.ms, random.int, random.pick, random.string, json)"],
      [19, "random.int(2, 1): the lower bound 2 is above the upper bound 1 in '{{ random.int(2, 1) }}'"],
    ]],
  ])('%s', (text, want) => {
    expect(parse(text).problems.map((p) => [p.offset, p.message])).toEqual(want);
  });

  it('an unknown name is suggested from the scope too', () => {
    expect(parseTemplate('{{ users.emial }}', scopeOf(['users.email'])).problems[0]!.message).toBe(
      "unknown name 'users.emial' in '{{ users.emial }}', did you mean 'users.email'?",
    );
  });
});
