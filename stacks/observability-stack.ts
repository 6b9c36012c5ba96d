import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { TrailbridgeStack } from './trailbridge-stack';

/** `observability`: the forwarder Lambda, AppConfig rules, the token parameter, failure queue and alarms. */
export class ObservabilityStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.observability, {
      topology,
      naming,
      account: naming.account('observability'),

    });
  }
}
