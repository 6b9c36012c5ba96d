import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceAccounts } from '../../../config/accounts';
import { Naming } from '../../../config/naming';
import { KNOWN_REGIONS } from '../../../config/regions';
import { TopologyInput } from '../../../config/schema';
import { INLINE_TEMPLATE_MAX_BYTES } from '../../../stacks/cloudformation/forwarding-template';
import { organizationStackSetTemplate, sourceStackSetTemplate } from '../../../stacks/cloudformation/stack-set-templates';
import { describeWithTool } from '../../support/required-tools';
import { topologyWith } from '../../support/synth';

function organization(edit: (t: TopologyInput) => void = () => undefined) {
  const topology = topologyWith((t) => {
    t.organization = { id: 'o-a1b2c3d4e5' };
    t.organizationForwarding = { organizationalUnits: [{ id: 'ou-ab12-cd34ef56' }] };
    t.responses = { 'block-public-bucket': { mode: 'enforce' }, 'require-mfa-for-new-users': { mode: 'enforce', exemptPaths: ['/service/'], exemptNamePrefixes: ['svc-'] }, 'tag-instance-owner': { mode: 'enforce' } };
    t.events = { ...t.events, opsEmails: ['ops@example.com', 'oncall@example.com'] };
    edit(t);
  });
  return { topology, naming: new Naming(topology) };
}

const ALL_REGIONS = (t: TopologyInput) => {
  t.regions = [...KNOWN_REGIONS].filter((r) => r !== 'us-east-1');
  t.homeRegion = 'eu-west-1';
};

const CASES: [string, (t: TopologyInput) => void][] = [
  ['the default regions', () => undefined],
  ['every known region but us-east-1', ALL_REGIONS],
  ['regions without us-east-1 and read-only events', (t) => {
    t.regions = ['eu-west-1', 'eu-central-1'];
    t.homeRegion = 'eu-west-1';
    t.organizationForwarding!.forwarding = { readOnlyEvents: true, includeSources: ['s3.amazonaws.com', 'iam.amazonaws.com'] };
  }],
  ['one region without the global events of us-east-1', (t) => {
    t.regions = ['eu-west-1'];
    t.homeRegion = 'eu-west-1';
    t.accounts[0].source!.forwarding = { globalEventsFromUsEast1: false };
    t.organizationForwarding!.forwarding = { globalEventsFromUsEast1: false };
  }],
];

describe('StackSet templates', () => {
  test('are deterministic: the same topology gives the same bytes', () => {
    const a = organization(ALL_REGIONS);
    const b = organization(ALL_REGIONS);
    expect(organizationStackSetTemplate(a.topology, a.naming).body).toBe(organizationStackSetTemplate(b.topology, b.naming).body);
  });

  test.each(CASES)('fit the inline limit with %s', (_, edit) => {
    const { topology, naming } = organization(edit);
    const org = organizationStackSetTemplate(topology, naming);
    expect(org.sizeInBytes).toBe(Buffer.byteLength(org.body));
    expect(org.sizeInBytes).toBeLessThan(INLINE_TEMPLATE_MAX_BYTES);
    expect(org.fitsInline).toBe(true);
  });

  test('a template of 33 regions has one rule per scope, whatever the number of regions', () => {
    const { topology, naming } = organization(ALL_REGIONS);
    const org = organizationStackSetTemplate(topology, naming);
    const resources = JSON.parse(org.body).Resources;
    const rules = Object.values<any>(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(org.regions.length).toBe(KNOWN_REGIONS.length);
    expect(rules.map((r) => r.Condition).sort()).toEqual(['ForwardsAllEvents', 'ForwardsGlobalEventsOnly']);
    // Fn::Or takes at most 10 conditions: the other regions are the negation of us-east-1's.
    expect(JSON.parse(org.body).Conditions.ForwardsAllEvents).toEqual({ 'Fn::Not': [{ Condition: 'ForwardsGlobalEventsOnly' }] });
  });

  test('each regional block carries its alarms, ops topic, key, alias and subscriptions, under its condition', () => {
    const { topology, naming } = organization(ALL_REGIONS);
    const template = JSON.parse(organizationStackSetTemplate(topology, naming).body);
    const resources = Object.values<any>(template.Resources);
    const byCondition = (type: string) => resources.filter((r) => r.Type === type).map((r) => r.Condition).sort();
    const blocks = ['ForwardsAllEvents', 'ForwardsGlobalEventsOnly'];
    expect(byCondition('AWS::Events::Rule')).toEqual(blocks);
    for (const type of ['AWS::KMS::Key', 'AWS::KMS::Alias', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy']) expect({ type, conditions: byCondition(type) }).toEqual({ type, conditions: blocks });
    expect(byCondition('AWS::CloudWatch::Alarm')).toEqual([...blocks, ...blocks].sort());
    expect(resources.filter((r) => r.Type === 'AWS::SNS::Subscription').map((r) => r.Properties.Endpoint).sort()).toEqual(['oncall@example.com', 'oncall@example.com', 'ops@example.com', 'ops@example.com']);
    // Many accounts share the template: descriptions name the account by its id, as CloudFormation substitutes it.
    const descriptions = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties.AlarmDescription['Fn::Sub']);
    expect(descriptions).toHaveLength(4);
    for (const d of descriptions) expect(d).toMatch(/^\$\{AWS::AccountId\} \$\{AWS::Region\}: /);
    // Only the forwarding alarms of the stack instance's account and region may use the key and publish.
    const fromForwardingAlarms = {
      StringEquals: { 'aws:SourceAccount': [{ Ref: 'AWS::AccountId' }] },
      ArnLike: { 'aws:SourceArn': [{ 'Fn::Sub': 'arn:aws:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:trailbridge-events-to-central-*' }] },
    };
    expect(template.Resources.OpsTopicKey.Properties.KeyPolicy.Statement[1].Condition).toEqual(fromForwardingAlarms);
    expect(template.Resources.OpsTopicPolicy.Properties.PolicyDocument.Statement[0].Condition).toEqual(fromForwardingAlarms);
  });

  test('an email subscription keeps its logical id whatever the addresses before it: taking one off removes that subscription alone', () => {
    const subscriptions = (opsEmails: string[]) => {
      const { topology, naming } = organization((t) => (t.events = { ...t.events, opsEmails }));
      const resources = Object.entries<any>(JSON.parse(organizationStackSetTemplate(topology, naming).body).Resources);
      return Object.fromEntries(resources.filter(([, r]) => r.Type === 'AWS::SNS::Subscription').map(([id, r]) => [id, r.Properties.Endpoint]));
    };
    const three = subscriptions(['ops@example.com', 'oncall@example.com', 'audit@example.com']);
    expect(Object.keys(three)).toHaveLength(3);
    for (const id of Object.keys(three)) expect(id).toMatch(/^OpsTopicEmail[0-9a-f]{10}$/);
    // CloudFormation replaces a subscription whose logical id now names another address, and SNS gives
    // the new resource the existing subscription of that address, which deleting the old one then ends.
    const withoutFirst = subscriptions(['oncall@example.com', 'audit@example.com']);
    expect(withoutFirst).toEqual(Object.fromEntries(Object.entries(three).filter(([, email]) => email !== 'ops@example.com')));
    expect(subscriptions(['audit@example.com', 'oncall@example.com', 'ops@example.com'])).toEqual(three);
  });

  test('roles exist once per account: only in the global resources region (us-east-1 when it is among the regions)', () => {
    const { topology, naming } = organization((t) => {
      t.regions = ['eu-west-1', 'eu-central-1'];
      t.homeRegion = 'eu-west-1';
      t.accounts[0].source!.forwarding = { globalEventsFromUsEast1: false };
      t.organizationForwarding!.forwarding = { globalEventsFromUsEast1: false };
    });
    const org = organizationStackSetTemplate(topology, naming);
    expect(org.regions).toEqual(['eu-west-1', 'eu-central-1']);
    expect(org.globalRegion).toBe('eu-west-1');
    const template = JSON.parse(org.body);
    const iam = Object.values<any>(template.Resources).filter((r) => r.Type.startsWith('AWS::IAM::'));
    expect(iam.map((r) => r.Type).sort()).toEqual(['AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::Role']);
    for (const r of iam) expect(r.Condition).toBe('IsGlobalResourceRegion');
    expect(template.Conditions.IsGlobalResourceRegion).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] });
    // One scope in every region: no region condition on the rule.
    expect(template.Resources.ForwardingRule.Condition).toBeUndefined();
  });

  test.each(CASES)('in the region that creates the roles, %s: the rules use the forwarding role once it exists, and the responder role once the MFA policy it names exists', (_, edit) => {
    const { topology, naming } = organization(edit);
    const org = organizationStackSetTemplate(topology, naming);
    const template = JSON.parse(org.body);
    const byName = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/trailbridge-events-to-central' };
    // DependsOn cannot say it: the role exists in one region only, and a DependsOn on a resource whose
    // condition is false fails the stack (cfn-lint E3005). A GetAtt under the role's condition orders them there.
    const role = { 'Fn::GetAtt': ['ForwardingRole', 'Arn'] };
    const rules = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    // The global scope's rule (us-east-1 alone) shares the role's region; a rule of every region names the role there only.
    const expected = (rule: any) => (rule.Condition === 'ForwardsGlobalEventsOnly' ? role : rule.Condition ? byName : { 'Fn::If': ['IsGlobalResourceRegion', role, byName] });
    expect(rules.filter((r) => r.Condition !== 'ForwardsAllEvents')).toHaveLength(1);
    for (const rule of rules) expect({ condition: rule.Condition, roleArn: rule.Properties.Targets[0].RoleArn }).toEqual({ condition: rule.Condition, roleArn: expected(rule) });
    expect(template.Resources.ResponderRole.DependsOn).toEqual(['MfaPolicy']);
    // The self-managed template has no role of its own: Terraform creates it before the stack instances.
    const source = JSON.parse(sourceStackSetTemplate(topology, naming, sourceAccounts(topology)[0]).body);
    for (const rule of Object.values<any>(source.Resources).filter((r) => r.Type === 'AWS::Events::Rule')) expect(rule.Properties.Targets[0].RoleArn).toEqual(byName);
  });

  test("the organization's responder role denies the MFA policy to exempt users, by path and by name prefix under any path", () => {
    const { topology, naming } = organization();
    const template = JSON.parse(organizationStackSetTemplate(topology, naming).body);
    const statements = template.Resources.ResponderRole.Properties.Policies[0].PolicyDocument.Statement;
    const deny = statements.find((s: any) => s.Sid === 'NeverTouchExemptUsers');
    expect(deny).toMatchObject({ Effect: 'Deny', Action: ['iam:AttachUserPolicy'] });
    expect(JSON.stringify(deny.Resource)).toMatch(/user\/service\/\*.*user\/svc-\*.*user\/\*\/svc-\*/);
  });

  test("the organization's forwarding role trusts EventBridge of the stack's account, for its forwarding rules only", () => {
    const { topology, naming } = organization();
    const template = JSON.parse(organizationStackSetTemplate(topology, naming).body);
    const [trust] = template.Resources.ForwardingRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Principal).toEqual({ Service: ['events.amazonaws.com'] });
    expect(trust.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': [{ Ref: 'AWS::AccountId' }] },
      // One role serves the rules of every region: the region is a wildcard, the account and rule name are not.
      ArnLike: { 'aws:SourceArn': [{ 'Fn::Sub': 'arn:aws:events:*:${AWS::AccountId}:rule/trailbridge-api-calls-to-central' }] },
    });
  });

  test('a self-managed source template holds no IAM resource (its Terraform makes the roles)', () => {
    const { topology, naming } = organization();
    const template = JSON.parse(sourceStackSetTemplate(topology, naming, sourceAccounts(topology)[0]).body);
    const types = Object.values<any>(template.Resources).map((r) => r.Type);
    expect(types).toContain('AWS::Events::Rule');
    expect(types.filter((t) => t.startsWith('AWS::IAM::'))).toEqual([]);
  });

  test('IAM policy variables survive: ${aws:username} in the MFA policy, never a Fn::Sub of it', () => {
    const { topology, naming } = organization();
    const body = organizationStackSetTemplate(topology, naming).body;
    expect(body).toContain('"arn:aws:iam::*:user/${aws:username}"');
    expect(body).not.toContain('&{');
  });
});

describeWithTool('cfn-lint', 'cfn-lint of the StackSet templates', () => {
  // One cfn-lint run for every case: it takes tens of seconds to start on a busy machine.
  test(`the organization and source templates of ${CASES.map(([name]) => name).join(', ')} pass cfn-lint`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    const templates = CASES.flatMap(([, edit], i) => {
      const { topology, naming } = organization(edit);
      return [
        [`organization-${i}.json`, organizationStackSetTemplate(topology, naming)],
        [`source-${i}.json`, sourceStackSetTemplate(topology, naming, sourceAccounts(topology)[0])],
      ] as const;
    });
    for (const [name, template] of templates) writeFileSync(join(dir, name), template.body);
    const regions = [...new Set(templates.flatMap(([, t]) => t.regions))];
    const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--regions', ...regions, '--', ...templates.map(([name]) => join(dir, name))], { encoding: 'utf8' });
    if (lint.error || lint.status !== 0) throw new Error(`cfn-lint found problems (exit ${lint.status}):\n${lint.stdout}${lint.stderr}`);
    expect(templates).toHaveLength(2 * CASES.length);
    expect(lint.stdout.trim()).toBe('');
  }, 180_000);
});
