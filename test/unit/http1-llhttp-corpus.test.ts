// llhttp's own response corpus (strict mode) through the lean client's parser: the same framing —
// status, body bytes, where each response ends, keep-alive, error or not — whole, byte by byte and
// at every split, except for the differences chosen on purpose (README, "Our own HTTP/1.1 client").
// The corpus is llhttp's data, so it is not committed: test/conformance/extract-llhttp-corpus.mjs
// extracts it from a copy of nodejs/llhttp into test/output/llhttp/ (ignored by git), and this file
// runs when it is there (a developer's conformance check); without it, it is skipped. The issue's
// framing cases are in http1-response-parser.test.ts's own table, which always runs.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { everySplit, frameConnection, type Framing } from '../helpers/frame-connection.js';

interface CorpusCase {
  name: string;
  at: string;
  input: string;
  isHead?: boolean;
  finish?: boolean;
  expected: Framing[];
}

const CORPUS = new URL('../output/llhttp/response-framing.json', import.meta.url);
const fixture = (existsSync(CORPUS) ? JSON.parse(readFileSync(CORPUS, 'utf8')) : { source: '', cases: [] }) as {
  source: string;
  cases: CorpusCase[];
};

/** Where we frame differently on purpose: what we do instead, and why. */
const DIFFERENCES: Record<string, { ours: Framing[]; why: string }> = {
  'sample.md: RTSP response': {
    ours: [{ error: true }],
    why: 'an RTSP status line is not an HTTP response: a target answering with one is misconfigured',
  },
  'sample.md: ICE response': {
    ours: [{ error: true }],
    why: 'an ICE (Icecast) status line is not an HTTP response either',
  },
};

describe.skipIf(fixture.cases.length === 0)('llhttp response corpus (extracted by test/conformance/extract-llhttp-corpus.mjs)', () => {
  it('the fixture holds the strict-mode cases, each named once', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(70);
    expect(new Set(fixture.cases.map((c) => c.name)).size).toBe(fixture.cases.length);
    for (const name of Object.keys(DIFFERENCES)) expect(fixture.cases.map((c) => c.name)).toContain(name);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const input = Buffer.from(c.input, 'latin1');
    const want = DIFFERENCES[c.name]?.ours ?? c.expected;
    for (const cuts of everySplit(input)) {
      expect(frameConnection(input, cuts, c.isHead === true, c.finish === true), `${c.at}, cut at ${JSON.stringify(cuts)}`).toEqual(want);
    }
  });

  it('agreement: every case but the chosen differences frames as llhttp does', () => {
    const differ = fixture.cases.filter((c) => JSON.stringify(frameConnection(Buffer.from(c.input, 'latin1'), [], c.isHead === true, c.finish === true)) !== JSON.stringify(c.expected));
    expect(differ.map((c) => c.name).sort()).toEqual(Object.keys(DIFFERENCES).sort());
  });
});
