/**
 * The Lambda Invoke API (RequestResponse) in front of a function the drills and the e2e run run
 * themselves, so the replay harnesses go through the command's own invoker
 * ({@link lambdaInvoker} in ./failure-queue.ts): the client context it sends reaches the handler as
 * Lambda's Node runtime gives it (`context.clientContext`, the JSON the base64 held), and the answer
 * comes back as Invoke returns it (the payload's bytes; `FunctionError` with `errorMessage` when
 * the handler threw, timed out or died). Without this, the function's answer to the replay
 * command (its summary, functions/forwarder/response.ts) was never exercised end to end.
 */
import type { InvokeCommand, InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';

/** What running the handler gave: its answer, or why there is none. */
export type HandlerOutcome = { readonly result: unknown } | { readonly error: string };

/** Runs the handler on an event, with the client context in its context object (undefined when none was sent). */
export type RunHandler = (event: unknown, clientContext: unknown) => Promise<HandlerOutcome>;

/** A Lambda client whose Invoke runs `run`; any other command is refused. */
export function invokeStandIn(run: RunHandler): Pick<LambdaClient, 'send'> {
  const send = async (command: InvokeCommand): Promise<Partial<InvokeCommandOutput>> => {
    if (command.constructor.name !== 'InvokeCommand') throw new Error(`the Invoke stand-in takes only InvokeCommand, not ${command.constructor.name}`);
    const { Payload, ClientContext, InvocationType } = command.input;
    if (InvocationType !== undefined && InvocationType !== 'RequestResponse') throw new Error(`the Invoke stand-in runs only RequestResponse, not ${InvocationType}`);
    if (Payload !== undefined && typeof Payload !== 'string' && !(Payload instanceof Uint8Array)) throw new Error('the Invoke stand-in takes a payload of bytes or a string, not a stream');
    const event = Payload === undefined ? {} : JSON.parse(typeof Payload === 'string' ? Payload : Buffer.from(Payload).toString('utf8'));
    // Invoke takes the client context base64-encoded; the runtime hands the handler the JSON parsed.
    const clientContext = ClientContext === undefined ? undefined : JSON.parse(Buffer.from(ClientContext, 'base64').toString('utf8'));
    const outcome = await run(event, clientContext);
    if ('error' in outcome) return { StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorMessage: outcome.error }) };
    return { StatusCode: 200, Payload: encode(outcome.result ?? null) };
  };
  return { send } as unknown as Pick<LambdaClient, 'send'>;
}

function encode(value: unknown): InvokeCommandOutput['Payload'] {
  return new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'];
}
