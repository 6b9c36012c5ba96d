import { Construct } from 'constructs';
import { Naming } from '../config/naming';
import { SourceAccount, Topology } from '../config/schema';
import { TrailbridgeStack } from './trailbridge-stack';

/** `source-<name>`: a source account's trail, its regional forwarding rules and their role. */
export class SourceStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming, readonly source: SourceAccount) {
    super(scope, naming.sourceStackName(source), {
      topology,
      naming,
      account: source,
      // A rule fires only in the region of the API call: every enabled region needs one.
      extraRegions: topology.regions,
    });
  }
}
