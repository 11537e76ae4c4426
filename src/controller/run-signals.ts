// Signal handling for a run: the first SIGINT/SIGTERM/SIGHUP stops the run gracefully (the current
// step is cut short, traffic is closed, the partial report is written and marked aborted, exit 130);
// a second one means "now": the caller closes the traffic (weights restored) and exits at once.
export interface RunSignalOptions {
  /** First signal: stop the run. */
  stop: (signal: NodeJS.Signals) => void;
  /** Second signal: close traffic and exit immediately. */
  force: (signal: NodeJS.Signals) => void;
  /** Where the one-line notices go (stderr). */
  write: (text: string) => void;
}

export const RUN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Installs the handlers; returns a function that removes them. */
export function installRunSignals(opts: RunSignalOptions): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      opts.write(`\nloadtest: ${signal}: stopping the run, closing traffic and writing the partial report (again to quit at once)\n`);
      opts.stop(signal);
    } else if (count === 2) {
      opts.write(`loadtest: ${signal} again: closing traffic and exiting now\n`);
      opts.force(signal);
    }
  };
  for (const s of RUN_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of RUN_SIGNALS) process.off(s, handler);
  };
}
