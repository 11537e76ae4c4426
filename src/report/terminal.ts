// The terminal reporter: a RunListener. On a TTY it redraws one progress line in place while a step
// runs; finished steps become plain lines either way (CI logs get one line per step and no escape
// codes). `finish(result)` prints the table of steps and the verdict line once the run (and its
// gates) are done. Colour follows chalk's detection, NO_COLOR and --no-color.
import { describeSettle } from '../analysis/drained.js';
import { Chalk, type ChalkInstance } from 'chalk';
import type { RunListener } from '../controller/events.js';
import type { RunResult } from '../result.js';
import { createRedactor, type Redactor } from './redact.js';
import { renderFinal, renderHeader, renderProgressLine, renderStepLine, type LiveState } from './terminal-format.js';
import { describeTarget } from '../scenario/describe-target.js';
import { clipText, visibleLength } from './terminal-fit.js';

export interface TerminalOptions {
  /** Where to write; default process.stdout. */
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  /** Redraw a live progress line (only honoured on a TTY); default true. */
  progress?: boolean;
  /** Print only the verdict line (and warnings); default false. */
  quiet?: boolean;
  /** false forces no colour; undefined = detect (NO_COLOR, FORCE_COLOR, TTY). */
  color?: boolean;
  /** Minimum ms between redraws of the live line. */
  redrawMs?: number;
}

export interface TerminalReporter {
  listener: RunListener;
  /** Prints the final table and verdict. Call once, after gates were evaluated. */
  finish(result: RunResult): void;
}

const plain = new Chalk({ level: 0 });

export function chalkFor(color: boolean | undefined, isTTY: boolean): ChalkInstance {
  const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  if (color === false || noColor) return new Chalk({ level: 0 });
  if (process.env['FORCE_COLOR'] !== undefined) return new Chalk();
  return new Chalk({ level: isTTY ? 1 : 0 });
}

export function createTerminalReporter(opts: TerminalOptions = {}): TerminalReporter {
  const stream = opts.stream ?? process.stdout;
  const tty = stream.isTTY === true;
  const live = tty && opts.progress !== false && !opts.quiet;
  const c = chalkFor(opts.color, tty);
  const redrawMs = opts.redrawMs ?? 200;
  let redact: Redactor = createRedactor([]);
  let state: LiveState | undefined;
  let plannedSteps = 0;
  let shown = false;
  let lastDraw = 0;

  const write = (text: string): void => {
    stream.write(redact(text));
  };
  const clearLive = (): void => {
    if (shown) write('\r\x1b[2K');
    shown = false;
  };
  // On a TTY every line fits the terminal (read each time: it can be resized), one column spare so
  // that a full line does not move the cursor to the next; a CI log (no TTY) gets full lines, its
  // viewer wraps or scrolls them. A TTY that does not say its width is taken as 80 columns.
  const width = (): number => (tty ? ((stream as NodeJS.WriteStream).columns || 80) - 1 : Infinity);
  const draw = (force = false): void => {
    if (!live || !state) return;
    const now = Date.now();
    if (!force && now - lastDraw < redrawMs) return;
    lastDraw = now;
    const cols = width();
    let line = renderProgressLine(state, c, cols);
    // Never wrap: a wrapped line cannot be redrawn with \r. Narrower than the narrowest layout → plain text, cut to fit.
    if (visibleLength(line) > cols) line = clipText(renderProgressLine(state, plain, cols), cols);
    write('\r\x1b[2K' + line);
    shown = true;
  };

  const listener: RunListener = (e) => {
    switch (e.type) {
      case 'run-start':
        redact = createRedactor(e.scenario.secrets);
        plannedSteps = e.plannedSteps;
        if (!opts.quiet) write(renderHeader(e.scenario, describeTarget(e.scenario), e.plannedSteps, e.worstCaseMs, c, width()).join('\n') + '\n');
        break;
      case 'step-start':
        state = { index: e.index, plannedSteps, phase: e.phase, description: e.description, durationMs: e.durationMs };
        draw(true);
        break;
      case 'settle':
        // The wait for the last step's backlog to drain (controller/settle.ts): said once it is over.
        if (opts.quiet) break;
        clearLive();
        write(c.dim(describeSettle(e.record)) + '\n');
        break;
      case 'step-progress':
        if (state && state.index === e.index) {
          state.progress = e.progress;
          draw();
        }
        break;
      case 'step-end':
        clearLive();
        state = undefined;
        if (!opts.quiet) write(renderStepLine(e.step, c, width()) + '\n');
        break;
      case 'warning':
        // Quiet mode prints the warnings once, under the verdict line.
        if (opts.quiet) break;
        clearLive();
        write(c.yellow(`warning: ${e.message}`) + '\n');
        draw(true);
        break;
      case 'run-end':
        clearLive();
        state = undefined;
        break;
    }
  };

  return {
    listener,
    finish(result) {
      clearLive();
      // Warnings were printed as they happened; quiet mode printed nothing yet, so it repeats them.
      write(renderFinal(result, c, { table: !opts.quiet, warnings: opts.quiet === true, width: width() }).join('\n') + '\n');
    },
  };
}
