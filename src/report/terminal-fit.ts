// Fitting terminal text to a width, never wrapping: a wrapped live line cannot be redrawn with \r,
// and a wrapped table row no longer reads as a row. Widths are counted in visible characters (chalk's
// escape codes do not take room); every character used here is one column wide.

const ANSI = /\x1b\[[0-9;]*m/g;

/** Columns the text takes on a terminal. */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** `text` cut to `max` characters, the last one an ellipsis when anything was cut (plain text only). */
export function clipText(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/**
 * `prefix` followed by the items joined with `sep`, broken between items onto lines indented by
 * `indent` so that none is wider than `width` (an item wider than a line gets a line to itself, cut).
 */
export function wrapItems(prefix: string, items: string[], sep: string, width: number, indent = '  '): string[] {
  const lines: string[] = [];
  let line = prefix;
  let empty = true;
  for (const [i, raw] of items.entries()) {
    const item = raw + (i < items.length - 1 ? sep.trimEnd() : '');
    const joiner = empty ? '' : ' ';
    if (!empty && visibleLength(line + joiner + item) > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += (empty ? '' : ' ') + item;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => (visibleLength(l) > width ? clipText(l, width) : l));
}
