import { App } from 'cdktf';
import { loadTopology } from './config/load';
import { buildStacks } from './stacks/app';
import { runCli } from './tools/lib/cli';

// Composition only: a validated topology in, stacks out. A bad topology prints its problem list
// and exits 1, never a stack trace.
runCli(() => {
  const app = new App();
  buildStacks(app, loadTopology());
  app.synth();
});
