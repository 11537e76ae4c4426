// The request template language: `{{ … }}` holes in a path, a header value or a body, parsed once
// at load time into literal text and holes (template.ts). `${VAR}` is not part of it: the scenario
// loader substitutes environment variables before this parser sees the text.
//
// Grammar (S: optional spaces or tabs):
//
//   template = *( literal / "{{" S expr S "}}" )
//   literal  = any text without "{{"          (write {{ '{{' }} for a literal "{{")
//   expr     = call / name / string / integer
//   call     = name S "(" S [ expr *( S "," S expr ) S ] ")"
//   name     = ident *( "." ident )           ident = ( ALPHA / "_" ) *( ALPHA / DIGIT / "_" )
//   string   = "'" *( any but "'" ) "'"  /  DQUOTE *( any but DQUOTE ) DQUOTE     (no escapes)
//   integer  = [ "-" ] 1*DIGIT
//
// What a name or call means is the scope's business (template-scope.ts): `seq`, `uuid`, `now.ms`,
// `random.int(a, b)`, `random.pick(a, …)`, `random.string(n)`, and `json(expr)`, which JSON-escapes
// what it wraps (for a value inside a JSON string: `"{{ json(users.email) }}"`). Every problem is
// returned at once, each with the offset of its `{{` and the hole quoted.
import { resolveExpr, type Expr, type TemplateScope } from './template-scope.js';
import type { TemplatePart } from './template.js';

export interface TemplateProblem {
  /** 0-based offset of the hole's `{{` in the text. */
  offset: number;
  message: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  problems: TemplateProblem[];
}

class SyntaxProblem extends Error {}

/** Parses `text`; literal parts are kept as written (the caller encodes them for their place). */
export function parseTemplate(text: string, scope: TemplateScope, opts: { json?: boolean } = {}): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const p = new ExprParser(text, open + 2);
    let expr: Expr;
    try {
      p.spaces();
      expr = p.expr();
      p.spaces();
      if (!text.startsWith('}}', p.at)) throw new SyntaxProblem(p.at >= text.length ? "unclosed '{{' (expected '}}')" : `unexpected ${p.found()}, expected '}}'`);
    } catch (e) {
      if (!(e instanceof SyntaxProblem)) throw e;
      // Quote up to the next `}}` (or the end): the hole as the user meant it.
      const close = text.indexOf('}}', open + 2);
      const source = close < 0 ? text.slice(open) : text.slice(open, close + 2);
      problems.push({ offset: open, message: `${e.message} in '${source}'` });
      if (close < 0) break;
      i = close + 2;
      continue;
    }
    const source = text.slice(open, p.at + 2);
    i = p.at + 2;
    const r = resolveExpr(expr, scope, opts.json === true);
    if (!r.ok) {
      problems.push({ offset: open, message: `${r.error} in '${source}'${r.hint ?? ''}` });
      continue;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ value: r.value, json: r.json, source });
  }
  if (literal !== '') parts.push(literal);
  return { parts, problems };
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

/** Recursive descent over one hole's expression, from `at`; throws SyntaxProblem. */
class ExprParser {
  constructor(
    private readonly s: string,
    public at: number,
  ) {}

  spaces(): void {
    while (this.s[this.at] === ' ' || this.s[this.at] === '\t') this.at++;
  }

  found(): string {
    if (this.at >= this.s.length) return 'end of text';
    return this.s.startsWith('}}', this.at) ? "'}}'" : `'${this.s[this.at]}'`;
  }

  expr(): Expr {
    const c = this.s[this.at];
    if (c === "'" || c === '"') {
      const end = this.s.indexOf(c, this.at + 1);
      if (end < 0) throw new SyntaxProblem(`unclosed string (expected a closing ${c})`);
      const value = this.s.slice(this.at + 1, end);
      this.at = end + 1;
      return { type: 'string', value };
    }
    if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) {
      const m = /^-?\d+/.exec(this.s.slice(this.at));
      if (!m) throw new SyntaxProblem(`unexpected ${this.found()}, expected a number`);
      this.at += m[0].length;
      if (this.s[this.at] === '.' || (this.s[this.at] !== undefined && IDENT.test(this.s[this.at]!))) throw new SyntaxProblem(`expected a whole number, found '${m[0]}${this.s[this.at]}…'`);
      return { type: 'integer', value: Number(m[0]), text: m[0] };
    }
    if (c === undefined || !IDENT_START.test(c)) throw new SyntaxProblem(`unexpected ${this.found()}, expected a name such as seq or random.int(1, 10)`);
    const name = this.name();
    this.spaces();
    if (this.s[this.at] !== '(') return { type: 'name', name };
    this.at++;
    this.spaces();
    const args: Expr[] = [];
    if (this.s[this.at] === ')') {
      this.at++;
      return { type: 'call', name, args };
    }
    for (;;) {
      args.push(this.expr());
      this.spaces();
      const d = this.s[this.at];
      if (d === ',') {
        this.at++;
        this.spaces();
        continue;
      }
      if (d === ')') {
        this.at++;
        return { type: 'call', name, args };
      }
      throw new SyntaxProblem(d === undefined ? `unclosed '(' of ${name}(…)` : `unexpected ${this.found()} in the arguments of ${name}(…), expected ',' or ')'`);
    }
  }

  private name(): string {
    const start = this.at;
    for (;;) {
      while (this.at < this.s.length && IDENT.test(this.s[this.at]!)) this.at++;
      if (this.s[this.at] === '.' && this.s[this.at + 1] !== undefined && IDENT_START.test(this.s[this.at + 1]!)) {
        this.at++;
        continue;
      }
      return this.s.slice(start, this.at);
    }
  }
}
