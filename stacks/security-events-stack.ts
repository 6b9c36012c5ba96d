import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { TrailbridgeStack } from './trailbridge-stack';

/** `security-events`: the central event bus, its policy and archive, the use-case rules and their targets. */
export class SecurityEventsStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.securityEvents, {
      topology,
      naming,
      account: naming.account('security'),

    });
  }
}
