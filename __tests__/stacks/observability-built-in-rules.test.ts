import { loadForwarderEnv } from '../../functions/forwarder/env';
import { HANDLER_ENV } from '../functions/forwarder/support/handler-env';
import { synthesize, topologyWith } from '../support/synth';

// The repository's rules document, as the observability stack hosts it: here, one that redacts.
const withRedaction = { value: false };
jest.mock('../../stacks/forwarder-rules-content', () => {
  const actual = jest.requireActual('../../stacks/forwarder-rules-content');
  return {
    forwarderRulesContent: (...args: unknown[]) => {
      const content = actual.forwarderRulesContent(...args) as string;
      if (!withRedaction.value) return content;
      return JSON.stringify({ ...JSON.parse(content), redactions: [{ path: 'sourceIPAddress', mask: 'REDACTED' }] });
    },
  };
});

function forwarderVariables(): Record<string, string> {
  const [[, fn]] = synthesize(topologyWith()).stack('observability').resources('aws_lambda_function');
  return fn.environment.variables;
}

describe('the built-in rules fallback of the forwarder', () => {
  afterEach(() => (withRedaction.value = false));

  test('is allowed when the hosted rules redact nothing (the variable unset)', () => {
    const variables = forwarderVariables();
    expect(variables.BUILT_IN_RULES).toBeUndefined();
    expect(loadForwarderEnv({ ...HANDLER_ENV, BUILT_IN_RULES: variables.BUILT_IN_RULES }).builtInRulesAllowed).toBe(true);
  });

  test('is refused when the hosted rules redact: a cold start without them must not forward unredacted', () => {
    withRedaction.value = true;
    const variables = forwarderVariables();
    expect(variables.BUILT_IN_RULES).toBe('refused');
    expect(loadForwarderEnv({ ...HANDLER_ENV, BUILT_IN_RULES: variables.BUILT_IN_RULES }).builtInRulesAllowed).toBe(false);
  });

  test('a bad value of the variable is an environment error naming it', () => {
    expect(() => loadForwarderEnv({ ...HANDLER_ENV, BUILT_IN_RULES: 'never' })).toThrow(/BUILT_IN_RULES: "never" is not one of allowed, refused/);
  });
});
