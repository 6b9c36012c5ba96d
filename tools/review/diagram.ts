import { accountRoleLabels } from '../../config/accounts';
import { Naming, STACK } from '../../config/naming';
import { Topology } from '../../config/schema';
import { flattenStack } from './policy-statements';
import { StackJson, Synth, parseReference, physicalName, providerRegions, regionOf, resourcesOf } from './stack-json';

/**
 * TOPOLOGY.md: a Mermaid flowchart of what the synth deploys, drawn from the resources themselves
 * (trails, buckets, notifications, subscriptions, functions, rules and targets) and, for what
 * lies outside AWS (Dynatrace, IDR), from the topology. Accounts are subgraphs. Edges come from
 * what connects resources in Terraform: a trail's bucket, a notification's topic, a rule's
 * target, and the IAM statements of a function's or an assumed role's policy (s3:GetObject on a
 * bucket becomes "reads S3 object"). Any stack's resources appear once they are synthesized.
 */

type Shape = 'box' | 'store' | 'topic' | 'function' | 'external' | 'rule' | 'bus';

interface DiagramNode {
  readonly id: string;
  /** Account id, or undefined outside AWS. */
  readonly account?: string;
  readonly shape: Shape;
  readonly lines: readonly string[];
}

/** One rule, or its copies in several regions. */
interface RuleGroup {
  readonly name: string;
  readonly regions: Set<string>;
  /** Node of the bus it is on; undefined for a default bus. */
  readonly bus: string | undefined;
  readonly busName: string;
  readonly targets: Set<string>;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

/** Node kinds drawn, by resource type: a title and a shape. */
const DRAWN: Readonly<Record<string, { title: string; shape: Shape }>> = {
  aws_cloudtrail: { title: 'CloudTrail trail', shape: 'box' },
  aws_s3_bucket: { title: 'S3 bucket', shape: 'store' },
  aws_sns_topic: { title: 'SNS topic', shape: 'topic' },
  aws_sqs_queue: { title: 'SQS queue', shape: 'store' },
  aws_lambda_function: { title: 'Lambda', shape: 'function' },
  aws_appconfig_application: { title: 'AppConfig', shape: 'box' },
  aws_ssm_parameter: { title: 'SSM parameter', shape: 'store' },
  aws_cloudwatch_event_bus: { title: 'EventBridge bus', shape: 'bus' },
  aws_cloudwatch_log_group: { title: 'CloudWatch Logs', shape: 'store' },
  aws_kinesis_stream: { title: 'Kinesis stream', shape: 'store' },
  aws_cloudwatch_event_api_destination: { title: 'API destination', shape: 'external' },
  // Not created by trailbridge: drawn from events.stateMachines when a rule starts one.
  aws_sfn_state_machine: { title: 'Step Functions', shape: 'box' },
};

/** Edge labels for what an IAM statement lets a function or role do to a drawn resource. */
const ACCESS_LABELS: readonly [RegExp, string, string?][] = [
  [/^s3:GetObject/, 'reads S3 object'],
  [/^ssm:GetParameter/, 'retrieves API key', 'aws_ssm_parameter'],
  [/^appconfig:(GetLatestConfiguration|StartConfigurationSession|GetConfiguration)$/, 'loads rules'],
  [/^sqs:SendMessage$/, 'sends failures'],
  [/^sns:Publish$/, 'publishes'],
  [/^events:PutEvents$/, 'PutEvents'],
  [/^kinesis:PutRecords?$/, 'puts records'],
];

const TARGET_LABELS: Readonly<Record<string, string>> = {
  aws_sns_topic: 'alerts',
  aws_sqs_queue: 'buffers',
  aws_lambda_function: 'invokes',
  aws_cloudwatch_log_group: 'logs',
  aws_kinesis_stream: 'streams',
  aws_cloudwatch_event_bus: 'forwards',
  aws_cloudwatch_event_api_destination: 'calls (HTTPS)',
  aws_sfn_state_machine: 'starts',
};

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** Mermaid label text: no double quotes, which end a label. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** The ARN a drawn resource will have, from its physical name, account and region. */
function arnOf(type: string, name: string, account: string, region: string): string | undefined {
  switch (type) {
    case 'aws_s3_bucket':
      return `arn:aws:s3:::${name}`;
    case 'aws_sns_topic':
      return `arn:aws:sns:${region}:${account}:${name}`;
    case 'aws_sqs_queue':
      return `arn:aws:sqs:${region}:${account}:${name}`;
    case 'aws_lambda_function':
      return `arn:aws:lambda:${region}:${account}:function:${name}`;
    case 'aws_cloudwatch_event_bus':
      return `arn:aws:events:${region}:${account}:event-bus/${name}`;
    case 'aws_cloudwatch_log_group':
      return `arn:aws:logs:${region}:${account}:log-group:${name}`;
    case 'aws_kinesis_stream':
      return `arn:aws:kinesis:${region}:${account}:stream/${name}`;
    case 'aws_ssm_parameter':
      return `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`;
    default:
      return undefined;
  }
}

function accountOf(stack: StackJson): string {
  const provider = [stack.provider?.aws ?? []].flat()[0] as Record<string, any> | undefined;
  return String(provider?.allowed_account_ids?.[0] ?? '(unknown account)');
}

class DiagramBuilder {
  readonly nodes = new Map<string, DiagramNode>();
  readonly edges = new Map<string, Edge>();
  /** "<stack> <address>" -> node id */
  private readonly byAddress = new Map<string, string>();
  /** ARN -> node id */
  private readonly byArn = new Map<string, string>();

  addNode(node: DiagramNode): string {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, node);
    return node.id;
  }

  addEdge(from: string | undefined, to: string | undefined, text: string): void {
    if (!from || !to || from === to) return;
    this.edges.set(`${from}>${to}>${text}`, { from, to, label: text });
  }

  register(stack: string, address: string, id: string, arn?: string): void {
    this.byAddress.set(`${stack} ${address}`, id);
    if (arn) this.byArn.set(arn, id);
  }

  /** The drawn node a value points at: a `${type.name.attr}` reference in it, or an ARN (or ARN pattern) it names. */
  resolve(stack: string, value: unknown): string | undefined {
    if (typeof value !== 'string') return undefined;
    for (const match of value.matchAll(/\$\{([a-z0-9_]+\.[\w-]+)\.[\w.]+\}/g)) {
      const found = this.byAddress.get(`${stack} ${match[1]}`);
      if (found) return found;
    }
    if (this.byArn.has(value)) return this.byArn.get(value);
    // arn:aws:s3:::bucket/AWSLogs/* and similar patterns: the longest drawn ARN the value starts with.
    let best: [string, string] | undefined;
    for (const [arn, id] of this.byArn) {
      if (value.startsWith(arn) && /^([/:]|$)/.test(value.slice(arn.length)) && (!best || arn.length > best[0].length)) best = [arn, id];
    }
    return best?.[1];
  }

  nodeAt(stack: string, address: string): string | undefined {
    return this.byAddress.get(`${stack} ${address}`);
  }
}

export function buildDiagram(topology: Topology, synth: Synth): string {
  const naming = new Naming(topology);
  const d = new DiagramBuilder();
  const dynatraceHost = new URL(topology.dynatrace.environmentUrl).hostname;
  const dynatrace = d.addNode({ id: 'dynatrace', shape: 'external', lines: ['Dynatrace', dynatraceHost] });

  drawResources(d, synth);
  drawWebIdentityRoles(d, synth, dynatrace);
  drawDeliveries(d, synth);
  drawPermissions(d, synth, topology, naming, dynatrace);
  drawStateMachines(d, topology);
  drawRules(d, synth, topology);
  drawIncidentResponse(d, synth, naming);
  return render(topology, d);
}

/** 1. Nodes for the resources worth drawing. */
function drawResources(d: DiagramBuilder, synth: Synth): void {
  for (const [stackName, stack] of synth) {
    const account = accountOf(stack);
    const regions = providerRegions(stack);
    for (const { address, type, name, body } of resourcesOf(stack)) {
      const kind = DRAWN[type];
      if (!kind) continue;
      const physical = physicalName(body) ?? name;
      const extra: string[] = [];
      if (type === 'aws_cloudtrail' && body.is_multi_region_trail) extra.push('multi-region');
      if (type === 'aws_cloudtrail' && body.is_organization_trail) extra.push('organization trail');
      if (type === 'aws_cloudwatch_event_api_destination') extra.push(new URL(String(body.invocation_endpoint)).host);
      const id = d.addNode({ id: slug(`${type.replace(/^aws_/, '')}_${stackName}_${physical}`), account, shape: kind.shape, lines: [kind.title, physical, ...extra] });
      d.register(stackName, address, id, arnOf(type, physical, account, regionOf(body, regions)));
    }
  }
}

/** 2. IAM roles assumed through web identity (the Dynatrace role) are drawn as well. */
function drawWebIdentityRoles(d: DiagramBuilder, synth: Synth, dynatrace: string): void {
  for (const [stackName, stack] of synth) {
    const providers = new Map(resourcesOf(stack).filter((r) => r.type === 'aws_iam_openid_connect_provider').map((r) => [r.address, String(r.body.url ?? '')]));
    for (const s of flattenStack(stackName, stack).statements) {
      if (s.attribute !== 'assume_role_policy' || !s.actions.some((a) => a === 'sts:AssumeRoleWithWebIdentity')) continue;
      const federated = s.principals.filter((p) => p.startsWith('Federated:')).map((p) => p.slice('Federated:'.length));
      const issuer = federated.map((p) => providers.get(parseReference(p)?.address ?? '') ?? p).join(', ');
      const body = stack.resource.aws_iam_role[s.resource.split('.')[1]];
      const roleName = physicalName(body) ?? s.resource;
      const id = d.addNode({
        id: slug(`role_${stackName}_${roleName}`),
        account: accountOf(stack),
        shape: 'box',
        lines: ['IAM role', roleName, `OIDC ${issuer.replace(/^https:\/\//, '')}`],
      });
      d.register(stackName, s.resource, id);
      if (issuer.includes('dynatrace')) d.addEdge(dynatrace, id, 'assumes (OIDC web identity)');
    }
  }
}

/** 3. Trails write to buckets; buckets notify topics; topics invoke subscribers; buckets log access. */
function drawDeliveries(d: DiagramBuilder, synth: Synth): void {
  for (const [stackName, stack] of synth) {
    for (const { address, type, body } of resourcesOf(stack)) {
      if (type === 'aws_cloudtrail') {
        d.addEdge(d.nodeAt(stackName, address), d.resolve(stackName, `arn:aws:s3:::${body.s3_bucket_name}`), 'send CT events to S3 bucket');
      } else if (type === 'aws_s3_bucket_notification') {
        const bucket = d.resolve(stackName, body.bucket) ?? d.resolve(stackName, `arn:aws:s3:::${body.bucket}`);
        for (const t of [body.topic ?? []].flat()) d.addEdge(bucket, d.resolve(stackName, t.topic_arn), 'triggers on PutObject');
        for (const q of [body.queue ?? []].flat()) d.addEdge(bucket, d.resolve(stackName, q.queue_arn), 'triggers on PutObject');
        for (const f of [body.lambda_function ?? []].flat()) d.addEdge(bucket, d.resolve(stackName, f.lambda_function_arn), 'triggers on PutObject');
      } else if (type === 'aws_sns_topic_subscription') {
        d.addEdge(d.resolve(stackName, body.topic_arn), d.resolve(stackName, body.endpoint), body.protocol === 'lambda' ? 'invokes' : `delivers (${body.protocol})`);
      } else if (type === 'aws_s3_bucket_logging') {
        const bucket = d.resolve(stackName, body.bucket) ?? d.resolve(stackName, `arn:aws:s3:::${body.bucket}`);
        d.addEdge(bucket, d.resolve(stackName, body.target_bucket) ?? d.resolve(stackName, `arn:aws:s3:::${body.target_bucket}`), 'server access logs');
      }
    }
  }
}

/** 4. What functions and drawn roles may do, from their IAM statements. */
function drawPermissions(d: DiagramBuilder, synth: Synth, topology: Topology, naming: Naming, dynatrace: string): void {
  for (const [stackName, stack] of synth) {
    const roleOwners = new Map<string, string>();
    for (const { address, type, body } of resourcesOf(stack)) {
      if (type !== 'aws_lambda_function') continue;
      const role = parseReference(body.role)?.address;
      const id = d.nodeAt(stackName, address);
      if (role && id) roleOwners.set(role, id);
      const env = Object.values<unknown>(body.environment?.variables ?? {});
      if (id && (env.includes(topology.dynatrace.environmentUrl) || physicalName(body) === naming.forwarderFunctionName())) {
        d.addEdge(id, dynatrace, 'sends records (Log Ingest API v2)');
      }
    }
    for (const s of flattenStack(stackName, stack).statements) {
      if (s.effect !== 'Allow' || s.attribute === 'assume_role_policy') continue;
      const holderRole = s.resource.startsWith('aws_iam_role.') ? s.resource : parseReference(stack.resource?.[s.resource.split('.')[0]]?.[s.resource.split('.')[1]]?.role)?.address;
      const actor = holderRole ? roleOwners.get(holderRole) ?? d.nodeAt(stackName, holderRole) : undefined;
      if (!actor) continue;
      for (const [pattern, text, onlyType] of ACCESS_LABELS) {
        if (!s.actions.some((a) => pattern.test(a))) continue;
        for (const resource of s.resources) {
          const target = d.resolve(stackName, resource);
          if (target && (!onlyType || target.startsWith(slug(onlyType.replace(/^aws_/, ''))))) d.addEdge(actor, target, text);
        }
      }
    }
  }
}

/** The state machines the rules may start live outside the stacks; nodes nothing starts are left out. */
function drawStateMachines(d: DiagramBuilder, topology: Topology): void {
  const security = topology.accounts.find((a) => a.roles.includes('security'));
  for (const machine of topology.events.stateMachines) {
    const kind = DRAWN.aws_sfn_state_machine;
    const id = d.addNode({ id: slug(`sfn_state_machine_${machine.name}`), account: security?.id, shape: kind.shape, lines: [kind.title, machine.stateMachineArn.split(':').pop() ?? machine.name] });
    d.register(STACK.securityEvents, `state-machine ${machine.name}`, id, machine.stateMachineArn);
  }
}

/**
 * 5. Rules: regional copies of one rule collapse into one node; rules on one bus with the same
 * targets collapse into one node listing them.
 */
function drawRules(d: DiagramBuilder, synth: Synth, topology: Topology): void {
  for (const [stackName, stack] of synth) {
    const regions = providerRegions(stack);
    const account = accountOf(stack);
    const rules = new Map<string, RuleGroup>();
    const ruleByAddress = new Map<string, string>();
    for (const { address, type, body } of resourcesOf(stack)) {
      if (type !== 'aws_cloudwatch_event_rule') continue;
      const name = physicalName(body) ?? address;
      const busName = typeof body.event_bus_name === 'string' ? body.event_bus_name : 'default';
      const key = `${name} ${busName}`;
      const rule: RuleGroup = rules.get(key) ?? { name, regions: new Set(), bus: d.resolve(stackName, body.event_bus_name), busName, targets: new Set() };
      rule.regions.add(regionOf(body, regions));
      rules.set(key, rule);
      ruleByAddress.set(address, key);
    }
    for (const { type, body } of resourcesOf(stack)) {
      if (type !== 'aws_cloudwatch_event_target') continue;
      const key = ruleByAddress.get(parseReference(body.rule)?.address ?? '');
      const target = d.resolve(stackName, body.arn);
      if (key && target) rules.get(key)!.targets.add(target);
    }
    const groups = new Map<string, RuleGroup[]>();
    for (const rule of rules.values()) {
      const key = `${rule.busName} ${[...rule.targets].sort().join(',')} ${[...rule.regions].sort().join(',')}`;
      groups.set(key, [...(groups.get(key) ?? []), rule]);
    }
    for (const group of groups.values()) {
      const first = group[0];
      const regionList = [...first.regions];
      const names = group.map((r) => r.name.replace(new RegExp(`^${topology.name}-`), '')).sort();
      const lines =
        group.length === 1
          ? [`EventBridge rule${regionList.length > 1 ? ` ×${regionList.length}` : ''}`, first.name]
          : [`${group.length} EventBridge rules`, ...names];
      if (regionList.length > 1 || !first.bus) lines.push(`${first.bus ? '' : 'default bus, '}${regionList.sort().join(', ')}`);
      const id = d.addNode({ id: slug(`rules_${stackName}_${names[0]}_${group.length}`), account, shape: 'rule', lines });
      d.addEdge(first.bus, id, 'matches');
      for (const target of first.targets) {
        const targetType = [...d.nodes.get(target)!.lines][0];
        const text = Object.entries(TARGET_LABELS).find(([t]) => DRAWN[t]?.title === targetType)?.[1] ?? 'targets';
        d.addEdge(id, target, first.bus ? text : 'sends API calls and sign-ins');
      }
    }
  }
}

/** 6. Outside AWS: the IDR bus is onboarded to AWS Incident Detection and Response. */
function drawIncidentResponse(d: DiagramBuilder, synth: Synth, naming: Naming): void {
  const idrStack = synth.get('incident-response');
  const idrBus = idrStack ? d.resolve('incident-response', naming.idrBusArn()) : undefined;
  if (idrBus) {
    const idr = d.addNode({ id: 'aws_idr', shape: 'external', lines: ['AWS Incident Detection', 'and Response'] });
    d.addEdge(idrBus, idr, 'onboarded: IDR managed rule');
  }
}

const SHAPES: Readonly<Record<Shape, [string, string]>> = {
  box: ['["', '"]'],
  store: ['[("', '")]'],
  topic: ['{{"', '"}}'],
  function: ['[["', '"]]'],
  external: ['(["', '"])'],
  rule: ['>"', '"]'],
  bus: ['[/"', '"/]'],
};

function nodeLine(node: DiagramNode): string {
  const [open, close] = SHAPES[node.shape];
  return `${node.id}${open}${label(node.lines.join('<br/>'))}${close}`;
}

function render(topology: Topology, d: DiagramBuilder): string {
  const lines = ['flowchart LR'];
  // A resource nothing flows to or from (a dead-letter queue, a function's log group) is left
  // out: the diagram shows the flows, the inventory lists everything.
  const connected = new Set([...d.edges.values()].flatMap((e) => [e.from, e.to]));
  const byAccount = new Map<string | undefined, DiagramNode[]>();
  for (const node of [...d.nodes.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    if (connected.has(node.id)) byAccount.set(node.account, [...(byAccount.get(node.account) ?? []), node]);
  }
  for (const node of byAccount.get(undefined) ?? []) lines.push(`  ${nodeLine(node)}`);
  for (const account of topology.accounts) {
    const nodes = byAccount.get(account.id);
    if (!nodes) continue;
    lines.push(`  subgraph acct_${slug(account.name)}["${label(`${account.name} · ${accountRoleLabels(topology, account).join(' + ')} · ${account.id}`)}"]`);
    for (const node of nodes) lines.push(`    ${nodeLine(node)}`);
    lines.push('  end');
  }
  const known = new Set(topology.accounts.map((a) => a.id));
  for (const [account, nodes] of byAccount) {
    if (account === undefined || known.has(account)) continue;
    lines.push(`  subgraph acct_${slug(account)}["${label(account)}"]`);
    for (const node of nodes) lines.push(`    ${nodeLine(node)}`);
    lines.push('  end');
  }
  const edges = [...d.edges.values()].sort((a, b) => `${a.from} ${a.to} ${a.label}`.localeCompare(`${b.from} ${b.to} ${b.label}`));
  for (const e of edges) lines.push(`  ${e.from} -->|"${label(e.label)}"| ${e.to}`);
  return `${lines.join('\n')}\n`;
}

export function topologyReport(topology: Topology, synth: Synth): string {
  return [
    '# Topology\n',
    `Generated by \`npm run review\` from the topology \`${topology.name}\` (home region ${topology.homeRegion}; regions ${topology.regions.join(', ')}) and the synthesized stacks (${[...synth.keys()].join(', ')}).\n`,
    '```mermaid',
    buildDiagram(topology, synth).trimEnd(),
    '```',
    '',
  ].join('\n');
}
