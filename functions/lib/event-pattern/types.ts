/** An EventBridge event pattern as parsed JSON (`{"source": ["aws.s3"], "detail": {...}}`). */
export type EventPattern = Record<string, unknown>;

/** A pattern validated and compiled once, to be matched against many events. */
export interface CompiledPattern {
  /** True when EventBridge would deliver `event` to a rule with this pattern. */
  matches(event: unknown): boolean;
}

/** A leaf value of an event: what a pattern's value matchers are applied to. */
export type LeafValue = string | number | boolean | null;

/** One compiled value test, e.g. a prefix or a numeric range. */
export type ValueTest = (value: LeafValue) => boolean;
