import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { parseTopology } from '../../config/load';
import { Naming } from '../../config/naming';
import { TopologyInput } from '../../config/schema';
import { SecurityEventsStack } from '../../stacks/security-events-stack';
import { buildDiagram } from '../../tools/review/diagram';
import { StackJson } from '../../tools/review/stack-json';

test('the diagram draws the API destinations and the state machine the example topology targets', () => {
  const input = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'topology.example.json'), 'utf8')) as TopologyInput;
  const topology = parseTopology(input, 'examples/topology.example.json');
  const stack = new SecurityEventsStack(Testing.app(), topology, new Naming(topology));
  const diagram = buildDiagram(topology, new Map([['security-events', JSON.parse(Testing.synth(stack)) as StackJson]]));
  expect(diagram).toMatch(/API destination<br\/>acme-audit-servicenow<br\/>acme\.service-now\.com/);
  expect(diagram).toMatch(/rules_security_events_root_account_usage_1 -->\|"calls \(HTTPS\)"\| cloudwatch_event_api_destination_security_events_acme_audit_servicenow/);
  expect(diagram).toMatch(/rules_security_events_iam_policy_changed_1 -->\|"calls \(HTTPS\)"\| cloudwatch_event_api_destination_security_events_acme_audit_jira/);
  expect(diagram).toMatch(/-->\|"starts"\| sfn_state_machine_quarantine/);
  expect(diagram).toMatch(/sfn_state_machine_quarantine\["Step Functions<br\/>acme-quarantine-security-group"\]/);
});
