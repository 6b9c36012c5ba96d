import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { assertValidEventTopology } from './catalog';
import { CentralEventBus } from './constructs/central-event-bus';
import { CentralEventRules } from './constructs/central-event-rules';
import { TrailbridgeStack } from './trailbridge-stack';

/** `security-events`: the central event bus, its policy and archive, the use-case rules and their targets. */
export class SecurityEventsStack extends TrailbridgeStack {
  readonly bus: CentralEventBus;
  readonly rules: CentralEventRules;

  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.securityEvents, { topology, naming, account: naming.account('security') });
    // Every pattern of the topology (central and forwarding rules) is checked here, before any
    // resource exists: an invalid one stops synth with the rule's name and the reason.
    assertValidEventTopology(topology);
    this.bus = new CentralEventBus(this, 'central-bus', { topology, naming });
    this.rules = new CentralEventRules(this, 'rules', { topology, naming, busName: this.bus.bus.name });
  }
}
