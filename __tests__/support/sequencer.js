/**
 * Runs the long tests first. The e2e run (minutes, mostly waiting on Terraform and the emulator)
 * then overlaps with the rest of the suite instead of starting after it. Jest's own order sorts a
 * fresh checkout, without timings, by file size, which put the small e2e test last.
 */
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['e2e.test.ts', 'terraform/validate.test.ts', 'tools/tfc-script.test.ts', 'bench.test.ts', 'tools/drill.test.ts', 'tools/usage-exit-codes.test.ts', 'stacks/constructs/operator-secret-parameter.test.ts'];

const rank = (path) => {
  const i = FIRST.findIndex((suffix) => path.endsWith(`/${suffix}`));
  return i === -1 ? FIRST.length : i;
};

class LongTestsFirst extends Sequencer {
  async sort(tests) {
    return [...(await super.sort(tests))].sort((a, b) => rank(a.path) - rank(b.path));
  }
}

module.exports = LongTestsFirst;
