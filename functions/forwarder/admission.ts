/**
 * The pipeline's first step for an object: whether to read it, decided from its reference alone,
 * before anything is opened. Pure: the time comes in as `now`.
 */
import { isForwardedKind, KeyLayout, parseKey } from '../lib/key-layout';
import { ObjectRef } from './notifications';
import { CompiledRules } from './rules';
import type { Route } from './rules-schema';

export type Admission =
  /** Not forwarded by design (a digest, a foreign key, a route that does not forward): counted, no ticket. */
  | { readonly action: 'skip'; readonly reason: string }
  /** Would be forwarded, but no time is left to read it: the whole object is ticketed. */
  | { readonly action: 'defer'; readonly reason: string }
  /** To be read: what the key says about the file and the route that forwards it. */
  | { readonly action: 'read'; readonly layout: KeyLayout; readonly route: Route };

export interface AdmissionContext {
  readonly rules: CompiledRules;
  /** Forward keys outside the CloudTrail layout (local files); digests are still skipped. */
  readonly acceptAnyKey: boolean;
  /** Epoch ms. */
  readonly now: number;
  /** Epoch ms from which no object is opened any more. */
  readonly readUntil: number;
}

/** Digest, key layout, route, deadline: in that order, the first that refuses decides. */
export function admit(ref: ObjectRef, context: AdmissionContext): Admission {
  const layout = parseKey(ref.key);
  if (layout.kind === 'digest') return { action: 'skip', reason: 'CloudTrail digest file' };
  if (!isForwardedKind(layout.kind) && !context.acceptAnyKey) {
    return { action: 'skip', reason: 'not a CloudTrail log file (key outside AWSLogs/<account>/CloudTrail[-Insight]/<region>/...)' };
  }
  const route = context.rules.routeFor(ref.bucket, ref.key);
  if (!route) return { action: 'skip', reason: 'no route matches the bucket and key' };
  if (!route.forward) return { action: 'skip', reason: `route "${route.name}" does not forward` };
  if (context.now >= context.readUntil) return { action: 'defer', reason: 'deadline: the invocation ran out of time before reading the object' };
  return { action: 'read', layout, route };
}
