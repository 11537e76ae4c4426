// Dev-only: turns llhttp's response test corpus (test/response/*.md in nodejs/llhttp) into the
// compact file test/output/llhttp/response-framing.json (never committed: it is llhttp's data) — each strict-mode case's input bytes
// and how llhttp frames them (status, body bytes, where each response ends, keep-alive, error),
// read off the case's expected callback log. test/unit/http1-llhttp-corpus.test.ts runs the lean
// client's parser over that fixture. Not part of the suite: it needs a copy of llhttp.
//
//   node test/conformance/extract-llhttp-corpus.mjs <llhttp checkout or bare git dir> [rev]
//
// Inputs are decoded as llhttp's test runner does (test/md-test.ts): CRLF line ends, `\r` `\n`
// `\t` `\f` `\xNN` and octal escapes, a trailing backslash joins lines, the text is UTF-8.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = ['sample', 'connection', 'content-length', 'transfer-encoding', 'invalid', 'finish', 'lenient-version', 'pausing', 'pipelining'];
/** The strict-mode types; the lenient ones (`response-lenient-*`) test flags we do not mirror. */
const TYPES = new Set(['response', 'response-finish']);
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'output', 'llhttp', 'response-framing.json');

const src = process.argv[2];
const rev = process.argv[3] ?? 'HEAD';
if (!src) {
  console.error('usage: node test/conformance/extract-llhttp-corpus.mjs <llhttp checkout or git dir> [rev]');
  process.exit(2);
}
const isCheckout = existsSync(join(src, 'test', 'response'));
const git = (...args) => execFileSync('git', isCheckout ? ['-C', src, ...args] : ['--git-dir', src, ...args], { encoding: 'utf8' });
const read = (f) => (isCheckout ? readFileSync(join(src, 'test', 'response', `${f}.md`), 'utf8') : git('show', `${rev}:test/response/${f}.md`));
let commit = 'working tree';
try {
  commit = git('rev-parse', rev).trim();
} catch {
  // a plain directory
}
const version = (() => {
  try {
    return JSON.parse(isCheckout ? readFileSync(join(src, 'package.json'), 'utf8') : git('show', `${rev}:package.json`)).version;
  } catch {
    return 'unknown';
  }
})();

/** The cases of one .md file: heading, meta, the http block, the log block. */
function casesOf(file, text) {
  const lines = text.split('\n');
  const out = [];
  let heading = '';
  let meta = null;
  let http = null;
  let httpLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const h = /^#+\s+(.*)$/.exec(l);
    if (h) heading = h[1].trim();
    const m = /^<!--\s*meta=(\{.*\})\s*-->/.exec(l);
    if (m) meta = JSON.parse(m[1]);
    if (l === '```http' || l === '```log') {
      const body = [];
      let k = i + 1;
      for (; k < lines.length && lines[k] !== '```'; k++) body.push(lines[k]);
      const block = body.join('\n') + '\n';
      if (l === '```http') {
        http = block;
        httpLine = i + 1;
      } else if (http !== null && meta !== null) {
        out.push({ name: `${file}.md: ${heading}`, at: `test/response/${file}.md:${httpLine}`, meta, http, log: block });
        http = null;
        meta = null;
      }
      i = k;
    }
  }
  return out;
}

/** As test/md-test.ts prepares an input. */
function decodeInput(raw) {
  let s = raw.replace(/\n$/, '');
  s = s.replace(/\\(\r\n|\r|\n)/g, '');
  s = s.replace(/\r\n|\r|\n/g, '\r\n');
  s = s.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f');
  s = s.replace(/\\x([0-9a-fA-F]+)/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  s = s.replace(/\\([0-7]{1,3})/g, (_, digits) => String.fromCharCode(parseInt(digits, 8)));
  if (/\$\{.+?\}/.test(s)) throw new Error('inline JavaScript in an input: not supported');
  return Buffer.from(s, 'utf8');
}

// llhttp's flags (src/llhttp/constants.ts).
const F_KEEP_ALIVE = 0x1;
const F_CLOSE = 0x2;
const F_CHUNKED = 0x8;
const F_CONTENT_LENGTH = 0x20;
const F_TRANSFER_ENCODING = 0x200;
const E_CLOSED_CONNECTION = 5;
const E_PAUSED_UPGRADE = 22;

/** llhttp_message_needs_eof (src/native/http.c). */
function needsEof(status, flags, skipBody) {
  if (Math.floor(status / 100) === 1 || status === 204 || status === 304 || skipBody) return false;
  if (flags & F_TRANSFER_ENCODING && !(flags & F_CHUNKED)) return true;
  if (flags & (F_CHUNKED | F_CONTENT_LENGTH)) return false;
  return true;
}

/** llhttp_should_keep_alive. */
function shouldKeepAlive(m, skipBody) {
  if (m.major > 0 && m.minor > 0) {
    if (m.flags & F_CLOSE) return false;
  } else if (!(m.flags & F_KEEP_ALIVE)) return false;
  return !needsEof(m.status, m.flags, skipBody);
}

/**
 * The framing a client sees, from llhttp's log: interim 1xx messages fold into the response that
 * follows; "Data after Connection: close" is the end of the connection, not an error of the
 * response before it (the client has closed it); a 101's upgrade pause is an error for a client
 * that asked for no upgrade (undici: "bad upgrade").
 */
function framingOf(log, inputLength, skipBody) {
  const out = [];
  let m = null;
  for (const line of log.split('\n')) {
    const hc = /^off=\d+ headers complete status=(\d+) v=(\d+)\/(\d+) flags=([0-9a-f]+) content_length=\d+/.exec(line);
    if (/^off=\d+ message begin/.test(line)) m = { status: 0, major: 0, minor: 0, flags: 0, body: 0, headers: false };
    else if (hc) Object.assign(m, { status: +hc[1], major: +hc[2], minor: +hc[3], flags: parseInt(hc[4], 16), headers: true });
    else if (/^off=\d+ len=(\d+) span\[body\]/.test(line)) m.body += +/len=(\d+)/.exec(line)[1];
    else if (/^off=(\d+) message complete/.test(line)) {
      const end = +/^off=(\d+)/.exec(line)[1];
      if (m.status >= 200 || m.status < 100) out.push({ status: m.status, body: m.body, end, keepAlive: shouldKeepAlive(m, skipBody) });
      m = null;
    } else if (/^off=\d+ error code=(\d+)/.test(line)) {
      const code = +/code=(\d+)/.exec(line)[1];
      if (code !== E_CLOSED_CONNECTION) out.push({ error: true }); // E_PAUSED_UPGRADE included
      return { framing: out };
    } else if (/^off=NULL finish=(\d+)/.test(line)) {
      const f = +/finish=(\d+)/.exec(line)[1];
      // 1: the body ran until the close, which ends it.
      if (f === 1 && m !== null) {
        out.push({ status: m.status, body: m.body, end: inputLength, keepAlive: false });
        m = null;
      }
    }
  }
  if (m !== null) {
    const close = m.headers && needsEof(m.status, m.flags, skipBody);
    out.push({ status: m.headers ? m.status : 0, body: m.body, pending: close ? 'close' : 'more' });
  }
  return { framing: out };
}

const cases = [];
let skipped = 0;
for (const f of FILES) {
  for (const c of casesOf(f, read(f))) {
    if (!TYPES.has(c.meta.type)) {
      skipped++;
      continue;
    }
    const input = decodeInput(c.http);
    const isHead = c.meta.skipBody === true;
    const { framing: expected } = framingOf(c.log, input.length, isHead);
    cases.push({
      name: c.name,
      at: c.at,
      input: input.toString('latin1'),
      ...(isHead ? { isHead } : {}),
      ...(c.meta.type === 'response-finish' ? { finish: true } : {}),
      expected,
    });
  }
}

mkdirSync(dirname(OUT), { recursive: true });
const fixture = {
  source:
    `Derived from llhttp's response test corpus (https://github.com/nodejs/llhttp, test/response/*.md, ` +
    `version ${version}, commit ${commit}; MIT License, Copyright (c) 2018 Fedor Indutny): the strict-mode ` +
    `cases' inputs, and the framing llhttp's expected logs show. Regenerate with test/conformance/extract-llhttp-corpus.mjs.`,
  cases,
};
// One case per line: reviewable in a diff, small on disk.
writeFileSync(OUT, `{\n"source": ${JSON.stringify(fixture.source)},\n"cases": [\n${cases.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`);
console.log(`${cases.length} strict-mode response cases written to ${OUT} (${skipped} lenient-mode cases skipped)`);
