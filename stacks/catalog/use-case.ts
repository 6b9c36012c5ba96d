import type { TargetKind } from '../../config/sections/events';

/** An EventBridge event pattern as JSON data. */
export type EventPattern = Record<string, unknown>;

/** detail-type of the API calls CloudTrail hands to EventBridge. */
export const API_CALL = 'AWS API Call via CloudTrail';
/** detail-type of console sign-ins (source aws.signin, eventSource signin.amazonaws.com). */
export const CONSOLE_SIGN_IN = 'AWS Console Sign In via CloudTrail';

/** A named pattern of the catalog, with the target it goes to unless the topology says otherwise. */
export interface UseCase {
  /** Stable id: the key in `events.useCases` and the suffix of the physical rule name. At most 41 characters. */
  readonly id: string;
  /** A few words, used as the first words of an alert. No "<" or ">" (input template syntax). */
  readonly title: string;
  readonly description: string;
  readonly pattern: EventPattern;
  readonly defaultTarget: TargetKind;
  /** @default true */
  readonly enabledByDefault?: boolean;
  /**
   * Some of the events it matches come from global services (IAM, STS, sign-in, Organizations,
   * CloudFront), which reach EventBridge in us-east-1 only.
   */
  readonly needsGlobalEvents: boolean;
  /** CIS AWS Foundations Benchmark (v1.4+) monitoring control, e.g. "4.3". @default - none */
  readonly cis?: string;
  /** What the alert says beyond who, what call, where and when. @default - nothing more */
  readonly alertDetail?: AlertDetail;
}

/**
 * A sentence appended to a use case's alert: `<name>` placeholders filled from the event's JSON
 * paths. EventBridge renders a path the event lacks as an empty string, so the sentence must read
 * well with any of its values empty.
 */
export interface AlertDetail {
  readonly inputPaths: Readonly<Record<string, string>>;
  readonly sentence: string;
}

/** A pattern on CloudTrail API calls of one service, by event name. */
export function apiCalls(service: string, eventNames: readonly string[], detail: Record<string, unknown> = {}): EventPattern {
  return {
    source: [`aws.${service}`],
    'detail-type': [API_CALL],
    detail: { eventSource: [`${service}.amazonaws.com`], eventName: [...eventNames], ...detail },
  };
}
