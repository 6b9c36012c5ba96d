import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { TrailbridgeStack } from './trailbridge-stack';

/** `log-archive`: the trail buckets, their CMK and policies, notifications and the SNS topic. */
export class LogArchiveStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.logArchive, {
      topology,
      naming,
      account: naming.account('log-archive'),

    });
  }
}
