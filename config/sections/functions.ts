import { z } from 'zod';

/**
 * Options every trailbridge Lambda shares: X-Ray tracing, code signing, and the reserved
 * concurrency of the functions other than the forwarder (whose own is `forwarder.reservedConcurrency`).
 */

/** A reservation, or false for none (the function then draws on the account's unreserved pool). */
export const reservedConcurrency = z.union([
  z.number().int().positive(),
  z.literal(false).describe('No reservation: the function shares the account\'s unreserved concurrency.'),
]);

/**
 * Reservations of the functions besides the forwarder, by function folder (functions/<name>).
 * Each caps what one function can take from the account's pool, so a burst of one (a bucket-creating
 * loop, a replay) cannot throttle the others; throttled asynchronous invocations are retried by
 * Lambda for up to six hours, so a cap delays events, it does not lose them.
 */
export const DEFAULT_RESERVED_CONCURRENCY = { notifier: 10, 'bucket-logger': 2, responder: 5 } as const;

export type ReservedFunction = keyof typeof DEFAULT_RESERVED_CONCURRENCY;

export const functions = z
  .strictObject({
    tracing: z
      .boolean()
      .default(false)
      .describe(
        'X-Ray active tracing on every trailbridge function (tracing_config mode Active, and the role may put trace segments). Off by default: traces cost per request and the functions already log one JSON line per outcome. @default false',
      ),
    codeSigning: z
      .boolean()
      .default(false)
      .describe(
        'A Signer signing profile and a Lambda code signing config per stack, attached to every function. Deployment of unsigned code is allowed with a warning ("Warn"): trailbridge uploads its own bundles, which are not signed. Off by default: it adds a signing profile to each stack and no protection until the bundles are signed. @default false',
      ),
    reservedConcurrency: z
      .strictObject({
        notifier: reservedConcurrency.default(DEFAULT_RESERVED_CONCURRENCY.notifier).describe(`@default ${DEFAULT_RESERVED_CONCURRENCY.notifier}`),
        'bucket-logger': reservedConcurrency.default(DEFAULT_RESERVED_CONCURRENCY['bucket-logger']).describe(`@default ${DEFAULT_RESERVED_CONCURRENCY['bucket-logger']}`),
        responder: reservedConcurrency.default(DEFAULT_RESERVED_CONCURRENCY.responder).describe(`@default ${DEFAULT_RESERVED_CONCURRENCY.responder}`),
      })
      .prefault({})
      .describe(
        'Reserved concurrency of the functions other than the forwarder (forwarder.reservedConcurrency), or false for none. Lambda keeps 100 of the account quota unreserved, so an account whose quota is below 100 plus the reservations must raise it or set false.',
      ),
  })
  .describe('Options of every trailbridge Lambda function.');

export type FunctionOptions = z.output<typeof functions>;
