// `${VAR}` / `${VAR:-default}` interpolation of scalar values, done after YAML parsing so that
// positions in error messages stay those of the file. `$${` is a literal `${`.
// `:-` uses the default when the variable is unset or empty (as in the shell).

export interface InterpolationResult {
  value: string;
  /** Values substituted from the environment (not defaults): candidates for masking. */
  fromEnv: string[];
  /** Problems, each with the 0-based offset of its `${` in the input. */
  errors: Array<{ offset: number; message: string }>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolate(text: string, env: Record<string, string | undefined>): InterpolationResult {
  const out: string[] = [];
  const fromEnv: string[] = [];
  const errors: InterpolationResult['errors'] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) {
      out.push(text.slice(i));
      break;
    }
    out.push(text.slice(i, at));
    if (text.startsWith('$${', at)) {
      out.push('${');
      i = at + 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      out.push('$');
      i = at + 1;
      continue;
    }
    const close = text.indexOf('}', at + 2);
    if (close < 0) {
      errors.push({ offset: at, message: "unterminated '${': expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)" });
      out.push(text.slice(at));
      break;
    }
    const inner = text.slice(at + 2, close);
    const sep = inner.indexOf(':-');
    const name = sep >= 0 ? inner.slice(0, sep) : inner;
    const fallback = sep >= 0 ? inner.slice(sep + 2) : undefined;
    if (!NAME.test(name)) {
      errors.push({ offset: at, message: `bad variable name '${name}' in '\${${inner}}': expected letters, digits and _` });
    } else {
      const v = env[name];
      if (v !== undefined && (v !== '' || fallback === undefined)) {
        out.push(v);
        if (v !== '') fromEnv.push(v);
      } else if (fallback !== undefined) {
        out.push(fallback);
      } else {
        errors.push({ offset: at, message: `environment variable ${name} is not set (give a default with \${${name}:-value})` });
      }
    }
    i = close + 1;
  }
  return { value: out.join(''), fromEnv, errors };
}
