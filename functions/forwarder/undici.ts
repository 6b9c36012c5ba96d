/**
 * The parts of undici the forwarder uses (a Pool, `request`, the global dispatcher), loaded from
 * their own files. undici's index loads every dispatcher, fetch, WebSocket, EventSource, the
 * cache stores and the mock agents (535 of the bundle's 1,590 KB, ~60 ms to load); these files
 * are about half of it and load in ~25 ms, which counts on every cold start.
 *
 * undici has no `exports` map, so these paths resolve as they do inside undici's own index; a
 * test checks that they are still the objects the index exports, so an upgrade that moves them
 * fails there rather than in a Lambda. Types come from the package's declarations.
 */
import type { Dispatcher, Pool as UndiciPool } from 'undici';

/** undici's Pool (`require('undici').Pool`). */
export const Pool: typeof UndiciPool = require('undici/lib/dispatcher/pool');
const dispatcherRequest: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData> = require('undici/lib/api/api-request');
const globalDispatcher: { getGlobalDispatcher(): Dispatcher } = require('undici/lib/global');

/**
 * `dispatcher.request(options)`. The index adds `request` to every dispatcher's prototype when
 * it loads; without the index, it is called on the dispatcher here.
 */
export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return dispatcherRequest.call(dispatcher, options);
}

/** undici's global dispatcher (an Agent, unless one was set), as `require('undici').request(url)` uses. */
export function getGlobalDispatcher(): Dispatcher {
  return globalDispatcher.getGlobalDispatcher();
}
