import { Lazy } from 'cdktf';
import { UsageError } from '../../tools/lib/cli';
import { CREATION_STACKS_ENV, creationStacksWanted, withoutCreationStacks } from '../../tools/lib/creation-stacks';

const lazyCreationStack = () => (Lazy.anyValue({ produce: () => 1 }) as unknown as { creationStack: string[] }).creationStack;

describe('withoutCreationStacks: cdktf token creation stacks during construction and synth', () => {
  test('tokens created inside record no stack; cdktf records them again afterwards', () => {
    expect(lazyCreationStack().length).toBeGreaterThan(0);
    const inside = withoutCreationStacks(lazyCreationStack, {});
    expect(inside).toEqual([]);
    expect(lazyCreationStack().length).toBeGreaterThan(0);
  });

  test(`${CREATION_STACKS_ENV}=1 keeps them, for debugging a token that does not resolve`, () => {
    const inside = withoutCreationStacks(lazyCreationStack, { [CREATION_STACKS_ENV]: '1' });
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.join('\n')).toMatch(/creation-stacks\.test\.ts/);
  });

  test('an error of the body keeps its message and stack, and the capture is put back', () => {
    const limit = Error.stackTraceLimit;
    let caught: Error | undefined;
    try {
      withoutCreationStacks(() => {
        throw new Error('topology: accounts[2] is wrong');
      }, {});
    } catch (err) {
      caught = err as Error;
    }
    expect(caught?.message).toBe('topology: accounts[2] is wrong');
    expect(caught?.stack).toMatch(/^Error: topology: accounts\[2\] is wrong\n\s+at .*creation-stacks\.test\.ts/);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(lazyCreationStack().length).toBeGreaterThan(0);
  });

  test('the body\'s result comes back', () => {
    expect(withoutCreationStacks(() => 42, {})).toBe(42);
  });

  test('values: unset, empty, 0 and false drop them; 1 and true keep them; anything else is a usage error naming the variable', () => {
    expect([{}, { [CREATION_STACKS_ENV]: '' }, { [CREATION_STACKS_ENV]: '0' }, { [CREATION_STACKS_ENV]: 'false' }].map(creationStacksWanted)).toEqual([false, false, false, false]);
    expect([{ [CREATION_STACKS_ENV]: '1' }, { [CREATION_STACKS_ENV]: ' TRUE ' }].map(creationStacksWanted)).toEqual([true, true]);
    expect(() => creationStacksWanted({ [CREATION_STACKS_ENV]: 'yes' })).toThrow(UsageError);
    expect(() => creationStacksWanted({ [CREATION_STACKS_ENV]: 'yes' })).toThrow(/TRAILBRIDGE_CREATION_STACKS: "yes" is not 1, true, 0 or false/);
  });
});
