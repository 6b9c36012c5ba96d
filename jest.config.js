// The AWS SDK warns once per process that its releases after January 2027 need Node 22. The lock
// pins today's SDK, the functions run on nodejs22.x, and this machine's Node 20 only runs tests:
// the warning would repeat in every test process that loads a client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Type checking is done once by `tsc --noEmit` (npm test); ts-jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 120000,
  testSequencer: '<rootDir>/__tests__/support/sequencer.js',
  // Jest's default is one worker fewer than the cores: one on 2 cores. The e2e test mostly waits
  // on Terraform and the emulator, so a second worker runs the rest of the suite beside it.
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
};
