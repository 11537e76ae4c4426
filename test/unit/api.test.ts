// The package's library API: what a ten-line script imports must be there and work together.
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('library API', () => {
  it('exports the functions the README documents', () => {
    for (const name of [
      'loadScenario', 'parseScenario', 'runScenario', 'findCapacity', 'createTraffic', 'createGenerator',
      'parseSlo', 'evaluateSlos', 'renderJunit', 'renderMarkdown', 'renderHtml', 'compareRuns', 'evaluateGate',
      'createHistogram', 'summarize', 'loadReport', 'startDemoServer',
    ] as const) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(api.ExitCode.INTERRUPTED).toBe(130);
  });

  it('parses a scenario and judges metrics with its SLOs', () => {
    const s = api.parseScenario(
      ['name: api', 'target: http://127.0.0.1:8080', 'traffic: { requests: [ { path: / } ] }',
        'load: { start: 10, step: 10, max: 50, step_duration: 2s, warmup: 1s }', 'slo: [ "p99 < 100ms" ]'].join('\n'),
      'api.yaml',
      {},
    );
    expect(api.plannedRamp({ ...s.load })).toEqual([10, 20, 30, 40, 50]);
    expect(api.evaluateSlos(s.slo, { p99: 150 })).toMatchObject([{ slo: 'p99 < 100ms', value: 150 }]);
    expect(api.evaluateSlos(s.slo, { p99: 50 })).toEqual([]);
  });
});
