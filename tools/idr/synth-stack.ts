import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import { IncidentResponseStack } from '../../stacks/incident-response-stack';

/** Terraform JSON of a synthesized stack (the shape of cdk.tf.json). */
export type StackJson = Record<string, any>;

/**
 * The incident-response stack's Terraform JSON, built in memory: exactly what `npm run synth`
 * writes for it, without writing anything or building the other stacks.
 */
export function synthIncidentResponse(topology: Topology): StackJson {
  // cdktf wants an output directory even when nothing is written to it.
  const outdir = mkdtempSync(join(tmpdir(), 'trailbridge-idr-'));
  try {
    const stack = new IncidentResponseStack(new App({ outdir }), topology, new Naming(topology));
    return stack.toTerraform() as StackJson;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
