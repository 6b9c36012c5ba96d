import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { TrailbridgeStack } from './trailbridge-stack';

/** `incident-response`: the Dynatrace IDR bus, the OIDC provider and the role Dynatrace assumes. */
export class IncidentResponseStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.incidentResponse, {
      topology,
      naming,
      account: naming.account('incident-response'),
      region: naming.idrRegion(),
    });
  }
}
