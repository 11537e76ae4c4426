// `loadtest run … --print-scenario`: the scenario a run would use, as a YAML file to keep. From a
// file: that file with its `--set` overrides applied (its comments, anchors and ${VAR}s as written).
// In ad-hoc mode: the document the flags made, every default written out, in block style.
// Secrets are masked as everywhere else, so the output is safe to paste into a CI log.
import { visit, type Document } from 'yaml';
import { createRedactor, defaultRedactor } from '../report/redact.js';

export interface PrintScenarioOptions {
  /** The scenario's secrets (Scenario.secrets), masked as `***`. */
  secrets: readonly string[];
  /** Ad-hoc mode: this comment goes on top, and flow collections (`{}` of the skeleton) become blocks. */
  header?: string;
}

export function scenarioYaml(document: Document, opts: PrintScenarioOptions): string {
  const doc = document.clone();
  if (opts.header !== undefined) {
    visit(doc, {
      Map: (_k, n) => void (n.flow = false),
      Seq: (_k, n) => void (n.flow = false),
    });
    doc.commentBefore = opts.header
      .split('\n')
      .map((l) => ` ${l}`)
      .join('\n');
  }
  // lineWidth 0: never fold a long value (a body, a header) over several lines.
  const text = doc.toString({ lineWidth: 0 });
  const masked = defaultRedactor(createRedactor(opts.secrets)(text));
  return masked === text ? text : `# Secrets are masked as ***: put yours back (or a \${VAR} from the environment) before running it.\n${masked}`;
}
