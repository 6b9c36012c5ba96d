import { App } from 'cdktf';
import { loadTopology } from './config/load';
import { runCli } from './tools/lib/cli';
import { removeStaleConfigurations } from './tools/lib/stack-configuration';
import { buildAndSynth } from './tools/lib/synth';

// Composition only: a validated topology in, stacks out. A bad topology prints its problem list
// and exits 1, never a stack trace. cdktf synthesizes into the same stack folders each time, so a
// cdk.tf left by `npm run synth:hcl` goes: Terraform would load it beside the new JSON. cdktf's
// token creation stacks are off unless TRAILBRIDGE_CREATION_STACKS=1 (tools/lib/creation-stacks.ts).
runCli(() => {
  const app = new App();
  buildAndSynth(app, loadTopology());
  removeStaleConfigurations(app.outdir);
});
