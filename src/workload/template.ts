// What a templated request field *is* once the loader has read it: literal text and holes, each
// hole a value the sender makes at run time (a counter, a random draw, a clock, later a data column
// or a captured variable). Plain data (strings, numbers, arrays) so a Scenario can cross to worker
// threads by structured clone; byte-template.ts lays it out as bytes once per thread.

/** Where a field goes: it decides how a hole's value is encoded (encode.ts). */
export type Place = 'path' | 'header' | 'body';

/** A value made at run time. */
export type HoleValue =
  /** Per run, unique across worker threads (seq.ts): 1, 2, 3, … */
  | { kind: 'seq' }
  /** A random version-4 UUID (8-4-4-4-12 lower-case hex). */
  | { kind: 'uuid' }
  /** Date.now() at the send, in milliseconds. */
  | { kind: 'now.ms' }
  /** A uniform whole number in [min, max] (both included). */
  | { kind: 'int'; min: number; max: number }
  /** One of the options, uniformly; one option is a literal (`{{ '{{' }}`). */
  | { kind: 'pick'; options: string[] }
  /** `length` characters from [A-Za-z0-9]. */
  | { kind: 'string'; length: number }
  /**
   * A name the scope knows but the sender does not make itself: a data column (`users.email`) or a
   * captured session variable (`item_id`). The sender asks its lookup for it at run time (not yet
   * wired to feeders or sessions: no scope declares such names today).
   */
  | { kind: 'var'; name: string };

export interface TemplateHole {
  value: HoleValue;
  /** `{{ json(…) }}`: the value is JSON-string-escaped (without quotes) before the place's encoding. */
  json: boolean;
  /** The hole as written, `{{ … }}`: for messages and for `plan`. */
  source: string;
}

/** Literal text (as written) and holes, in order. */
export type TemplatePart = string | TemplateHole;

/** A request's templated fields; a field not listed here has no hole (its plain string is sent). */
export interface RequestTemplate {
  path?: TemplatePart[];
  /** By header name, as in RequestSpec.headers. */
  headers?: Record<string, TemplatePart[]>;
  body?: TemplatePart[];
}

export const isHole = (p: TemplatePart): p is TemplateHole => typeof p !== 'string';

/** Whether any part is a hole (a field without holes is sent as a plain string). */
export const hasHoles = (parts: readonly TemplatePart[]): boolean => parts.some(isHole);

/** The template text again (literal parts and holes as written). */
export const templateSource = (parts: readonly TemplatePart[]): string => parts.map((p) => (typeof p === 'string' ? p : p.source)).join('');
