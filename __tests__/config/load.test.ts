import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TOPOLOGY_NAME, TOPOLOGY_ENV, loadTopology, parseTopology, readTopologyFile } from '../../config/load';
import { TopologyError, formatPath } from '../../config/problems';
import { TopologyInput } from '../../config/schema';
import { defaultTopologyInput } from '../support/synth';
import { topologyProblems as problemsOf } from '../support/topologies';

function expectProblem(edit: (t: any) => void, path: string, message: RegExp): void {
  const problems = problemsOf(edit);
  const found = problems.find((p) => p.path === path && message.test(p.message));
  if (!found) throw new Error(`expected a problem at ${path} matching ${message}; got:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n') || '(none)'}`);
}

describe('the embedded default topology', () => {
  test('is the seed diagram: two sources, infosec-mgmt for log archive and security, ems for observability and IDR', () => {
    const topology = loadTopology({});
    expect(topology.accounts.map((a) => [a.name, a.id, a.roles])).toEqual([
      ['test', '111111111111', ['source']],
      ['prod', '222222222222', ['source']],
      ['infosec-mgmt', '333333333333', ['log-archive', 'security']],
      ['ems', '444444444444', ['observability', 'incident-response']],
    ]);
    expect(topology.accounts.map((a) => a.source?.bucketName)).toEqual(['event-trail-test', 'event-trail-prod', undefined, undefined]);
    expect(topology.homeRegion).toBe('us-east-1');
    expect(topology.regions).toEqual(['us-east-1', 'us-east-2', 'eu-west-1']);
    expect(topology.dynatrace.environmentUrl).toBe('https://abc12345.live.dynatrace.com');
    expect(topology.backend).toEqual({ type: 'local', directory: 'state' });
  });

  test('fills in the documented defaults', () => {
    const topology = loadTopology({});
    expect(topology.name).toBe('trailbridge');
    expect(topology.deployRole.roleName).toBe('OrganizationAccountAccessRole');
    expect(topology.trails.mode).toBe('account');
    expect(topology.logArchive.notifications.mode).toBe('direct');
    expect(topology.incidentResponse.busName).toBe('dynatrace-idr-bus');
  });
});

describe('loading a topology file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trailbridge-topology-'));

  test(`${TOPOLOGY_ENV} selects a user's file`, () => {
    const input = defaultTopologyInput();
    input.homeRegion = 'eu-west-1';
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify(input));
    expect(loadTopology({ [TOPOLOGY_ENV]: file }).homeRegion).toBe('eu-west-1');
  });

  test('names the file and the reason when it cannot be read', () => {
    expect(() => readTopologyFile(join(dir, 'missing.json'))).toThrow(/missing\.json: 1 problem[\s\S]*cannot read the file \(ENOENT\); check TRAILBRIDGE_TOPOLOGY/);
  });

  test('names the file when it is not JSON', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "name": "acme",\n  "accounts": [ }\n}\n');
    expect(() => readTopologyFile(file)).toThrow(/broken\.json: 1 problem[\s\S]*\(file\): not valid JSON at line 3, column 17: expected a value .*, found "}"; correct the file there/);
  });

  test('reports every problem at once, each with its JSON path', () => {
    const file = join(dir, 'many.json');
    const input = defaultTopologyInput() as any;
    input.accounts[0].id = '1234';
    input.regions.push('mars-north-1');
    input.homeRegion = 'ap-south-1';
    writeFileSync(file, JSON.stringify(input));
    let error: unknown;
    try {
      readTopologyFile(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TopologyError);
    const message = (error as Error).message;
    expect(message).toMatch(/many\.json: 3 problems in the topology/);
    expect(message).toMatch(/accounts\[0\]\.id: "1234" is not a 12-digit AWS account id/);
    expect(message).toMatch(/regions\[3\]: "mars-north-1" is not a known region/);
    expect(message).toMatch(/homeRegion: "ap-south-1" is not among the enabled regions/);
  });

  test('uses a readable name for the embedded default in messages', () => {
    expect(() => parseTopology({})).toThrow(new RegExp(DEFAULT_TOPOLOGY_NAME.replace(/[()]/g, '\\$&')));
  });
});

describe('validation rules', () => {
  test('account ids have 12 digits', () => {
    expectProblem((t) => (t.accounts[1].id = '22222222222'), 'accounts[1].id', /"22222222222" is not a 12-digit AWS account id; write all 12 digits, leading zeros included/);
    expectProblem((t) => (t.accounts[1].id = 222222222222), 'accounts[1].id', /222222222222 is a number, but this option takes a string; write it in double quotes: "222222222222"/);
  });

  test('account names are short, lowercase and DNS-safe', () => {
    expectProblem((t) => (t.accounts[0].name = 'Test'), 'accounts[0].name', /"Test" is not a valid account name; use 2-24 characters/);
    expectProblem((t) => (t.accounts[0].name = 'test-'), 'accounts[0].name', /not a valid account name/);
  });

  test('regions must be known, or allowed explicitly', () => {
    expectProblem((t) => t.regions.push('us-east-9'), 'regions[3]', /"us-east-9" is not a known region of the aws partition; use one of us-east-1, .* or add it to allowRegions/);
    expect(problemsOf((t) => { t.regions.push('eu-south-3'); t.allowRegions = ['eu-south-3']; })).toEqual([]);
    expectProblem((t) => (t.allowRegions = ['Narnia']), 'allowRegions[0]', /"Narnia" does not look like a region name/);
  });

  test('a region is listed once', () => {
    expectProblem((t) => t.regions.push('us-east-2'), 'regions[3]', /"us-east-2" is listed twice/);
  });

  test('the home region is one of the enabled regions', () => {
    expectProblem((t) => (t.homeRegion = 'eu-central-1'), 'homeRegion', /"eu-central-1" is not among the enabled regions; add it to regions or pick one of "us-east-1", "us-east-2", "eu-west-1"/);
  });

  test('bucket names follow the S3 rules', () => {
    expectProblem((t) => (t.accounts[0].source.bucketName = 'Event_Trail'), 'accounts[0].source.bucketName', /"Event_Trail" is not a valid S3 bucket name; it needs 3-63 characters/);
    expectProblem((t) => (t.accounts[0].source.bucketName = 'ab'), 'accounts[0].source.bucketName', /not a valid S3 bucket name/);
    expectProblem((t) => (t.accounts[0].source.bucketName = 'trail..logs'), 'accounts[0].source.bucketName', /no "\.\.", "\.-" or "-\."/);
    expectProblem((t) => (t.accounts[0].source.bucketName = '192.168.1.10'), 'accounts[0].source.bucketName', /not formatted as an IP address/);
    expectProblem((t) => (t.accounts[0].source.bucketName = 'xn--trail'), 'accounts[0].source.bucketName', /no reserved prefix/);
    expectProblem((t) => (t.accounts[0].source.bucketName = 'trail.logs'), 'accounts[0].source.bucketName', /dots break TLS/);
  });

  test('the access-log bucket name follows the same S3 rules as the trail buckets', () => {
    expectProblem((t) => (t.logArchive = { accessLogBucketName: 'ab' }), 'logArchive.accessLogBucketName', /"ab" is not a valid S3 bucket name; it needs 3-63 characters/);
    expectProblem((t) => (t.logArchive = { accessLogBucketName: 'access..logs' }), 'logArchive.accessLogBucketName', /no "\.\.", "\.-" or "-\."/);
    expectProblem((t) => (t.logArchive = { accessLogBucketName: 'xn--access-logs' }), 'logArchive.accessLogBucketName', /no reserved prefix/);
    expectProblem((t) => (t.logArchive = { accessLogBucketName: 'access.logs' }), 'logArchive.accessLogBucketName', /dots break TLS/);
  });

  test('account names, account ids and buckets are unique', () => {
    expectProblem((t) => (t.accounts[1].name = 'test'), 'accounts[1].name', /"test" is already the name of accounts\[0\]; account names must be unique/);
    expectProblem((t) => (t.accounts[1].id = '111111111111'), 'accounts[1].id', /111111111111 is already accounts\[0\]; list an account once and give it every role it holds/);
    expectProblem((t) => (t.accounts[1].source.bucketName = 'event-trail-test'), 'accounts[1].source.bucketName', /"event-trail-test" is already the bucket of accounts\[0\]; each source account needs its own bucket/);
    expectProblem((t) => (t.logArchive = { accessLogBucketName: 'event-trail-prod' }), 'logArchive.accessLogBucketName', /is also a trail bucket \(accounts\[1\]\)/);
  });

  test('every single-holder role is held by exactly one account', () => {
    expectProblem((t) => (t.accounts[3].roles = ['observability']), 'accounts', /no account has the role "incident-response"; add it to the roles of exactly one account/);
    expectProblem((t) => t.accounts[3].roles.push('security'), 'accounts', /the role "security" is given to accounts\[2\] and accounts\[3\]; exactly one account may hold it/);
    expectProblem((t) => t.accounts[2].roles.push('security'), 'accounts[2].roles[2]', /role "security" is given twice to this account/);
  });

  test('there is at least one source account, and only sources take source options', () => {
    expectProblem((t) => { t.accounts[0].roles = ['security']; t.accounts[1].roles = ['security']; }, 'accounts', /no account has the role "source"/);
    expectProblem((t) => delete t.accounts[0].source, 'accounts[0].source', /a source account needs its source options; add "source": \{ "bucketName": "\.\.\." \}/);
    expectProblem((t) => (t.accounts[2].source = { bucketName: 'x-trail' }), 'accounts[2].source', /only an account with the "source" role takes source options/);
  });

  test('roles are from the known list', () => {
    expectProblem((t) => (t.accounts[2].roles = ['log-archive', 'secuirty']), 'accounts[2].roles[1]', /"secuirty" is not allowed; use one of "source", "log-archive", "security", "observability", "incident-response"/);
  });

  test('references name existing accounts', () => {
    expectProblem((t) => (t.organization = { id: 'o-abcdefghij', managementAccount: 'root' }), 'organization.managementAccount', /"root" is not the name of any account; use one of "test", "prod", "infosec-mgmt", "ems"/);
    expectProblem((t) => (t.trails = { mode: 'organization' }), 'trails.mode', /"organization" needs organization\.id and organization\.managementAccount/);
    expectProblem((t) => (t.organization = { id: 'org-1' }), 'organization.id', /"org-1" is not an organization id/);
  });

  test('region-valued options name enabled or known regions', () => {
    expectProblem((t) => (t.incidentResponse = { region: 'eu-central-1' }), 'incidentResponse.region', /not among the enabled regions/);
    expectProblem((t) => (t.forwarder = { appConfigLayerArns: { 'moon-1': 'arn:aws:lambda:moon-1:1:layer:x:1' } }), 'forwarder.appConfigLayerArns["moon-1"]', /"moon-1" is not a known region/);
  });

  test('an exempt user name prefix uses only the characters of an IAM user name (it becomes an ARN pattern in a Deny)', () => {
    expectProblem((t) => (t.responses = { 'require-mfa-for-new-users': { exemptNamePrefixes: ['svc-', 'ci*'] } }), 'responses["require-mfa-for-new-users"].exemptNamePrefixes[1]', /an IAM user name has only letters, digits and \+=,\.@_-/);
    expectProblem((t) => (t.responses = { 'require-mfa-for-new-users': { exemptNamePrefixes: ['team/svc'] } }), 'responses["require-mfa-for-new-users"].exemptNamePrefixes[0]', /use exemptPaths for a path/);
  });

  test('misspelt keys are reported, not ignored', () => {
    expectProblem((t) => (t.regoins = []), '(root)', /unknown key "regoins" \(did you mean "regions"\?\); the keys allowed here are name, partition, .*: check the spelling or remove it/);
    expectProblem((t) => (t.accounts[0].source.bucket = 'x'), 'accounts[0].source', /unknown key "bucket"/);
  });

  test('an account\'s deploy role ARN is an IAM role of that account (the provider allows no other)', () => {
    expectProblem((t) => (t.accounts[1].deployRole = { roleArn: 'Deployer' }), 'accounts[1].deployRole.roleArn', /"Deployer" is not an IAM role ARN; write it as arn:aws:iam::<account>:role\/<name>/);
    expectProblem(
      (t) => (t.accounts[1].deployRole = { roleArn: 'arn:aws:iam::999999999999:role/Hub' }),
      'accounts[1].deployRole.roleArn',
      /is a role of account 999999999999, but the stacks of "prod" may only act in 222222222222 \(allowed_account_ids\); name a role of 222222222222, or use roleName/,
    );
    expect(problemsOf((t) => (t.accounts[1].deployRole = { roleArn: 'arn:aws:iam::222222222222:role/platform/Deployer' }))).toEqual([]);
  });

  test('the Dynatrace URL is https', () => {
    expectProblem((t) => (t.dynatrace.environmentUrl = 'http://abc12345.live.dynatrace.com'), 'dynatrace.environmentUrl', /must be an https:\/\/ URL/);
    expectProblem((t) => delete t.dynatrace, 'dynatrace', /is required/);
  });

  test('backends are local, s3 or cloud, with their settings', () => {
    expectProblem((t) => (t.backend = { type: 'consul' }), 'backend.type', /"consul" is not a known type; use one of "local", "s3", "cloud"/);
    expectProblem((t) => (t.backend = { type: 's3', region: 'us-east-1' }), 'backend.bucket', /is required/);
    expectProblem((t) => (t.backend = { type: 'local', directory: '/var/state' }), 'backend.directory', /must be a relative path inside the project/);
    expectProblem((t) => (t.backend = { type: 's3', bucket: 'tf-state', region: 'us-moon-1' }), 'backend.region', /not a known region/);
    expect(problemsOf((t) => (t.backend = { type: 'cloud', organization: 'acme' }))).toEqual([]);
  });

  test('the cloud backend takes the names HCP Terraform puts in a run\'s token: a bare host name, an organization and a project it allows', () => {
    const cloud = (fields: Record<string, unknown>) => (t: any) => (t.backend = { type: 'cloud', organization: 'acme', dynamicCredentials: true, ...fields });
    // A URL would name the OIDC provider https://https://... and the trust's claim keys "https://...:sub": no run could assume its role.
    expectProblem(cloud({ hostname: 'https://app.terraform.io' }), 'backend.hostname', /^"https:\/\/app.terraform.io" is not a host name; write the host alone, without https:\/\/, a port or a path \(IAM's OIDC provider URL takes no port\), such as "app.terraform.io" or "tfe.example.com"$/);
    expectProblem(cloud({ hostname: 'tfe.example.com/' }), 'backend.hostname', /is not a host name/);
    expectProblem(cloud({ hostname: 'tfe.internal:8443' }), 'backend.hostname', /is not a host name/);
    expectProblem(cloud({ organization: 'acme corp' }), 'backend.organization', /^"acme corp" is not an HCP Terraform organization name: it allows letters, digits, "-" and "_"$/);
    expectProblem(cloud({ organization: '' }), 'backend.organization', /not an HCP Terraform organization name/);
    expectProblem(cloud({ project: 'platform:security' }), 'backend.project', /^"platform:security" is not an HCP Terraform project name: it allows letters, digits, spaces, "-" and "_"; omit project for the Default Project$/);
    expectProblem(cloud({ project: '' }), 'backend.project', /not an HCP Terraform project name/);
    for (const fields of [{ hostname: 'tfe.example.com' }, { hostname: 'tfe' }, { organization: 'Acme_Corp-1' }, { project: 'Platform Security_2' }]) {
      expect(problemsOf(cloud(fields))).toEqual([]);
    }
  });

  test('log retention is one CloudWatch accepts', () => {
    expectProblem((t) => (t.forwarder = { logRetentionInDays: 45 }), 'forwarder.logRetentionInDays', /45 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5/);
  });

  test('the forwarder silence window is whole periods that CloudWatch can evaluate, or false', () => {
    const alarms = (a: Record<string, unknown>) => (t: any) => (t.forwarder = { alarms: a });
    expectProblem(alarms({ silenceMinutes: 52 }), 'forwarder.alarms.silenceMinutes', /^52 minutes is not a whole number of periods of 300 s \(periodInSeconds\); use a multiple of 5 minutes, such as 50 or 55$/);
    expectProblem(alarms({ silenceMinutes: 90, periodInSeconds: 3600 }), 'forwarder.alarms.silenceMinutes', /not a whole number of periods of 3600 s/);
    // CloudWatch evaluates at most a day of periods shorter than an hour, at most 7 days of longer ones.
    expectProblem(alarms({ silenceMinutes: 1445 }), 'forwarder.alarms.silenceMinutes', /^1445 minutes is longer than CloudWatch evaluates periods of 300 s over \(1440 minutes\); shorten it, or lengthen periodInSeconds to 3600 or more \(up to 10080 minutes\)$/);
    expectProblem(alarms({ silenceMinutes: 10140, periodInSeconds: 3600 }), 'forwarder.alarms.silenceMinutes', /longer than CloudWatch evaluates periods of 3600 s over \(10080 minutes\)/);
    expectProblem(alarms({ silenceMinutes: 0 }), 'forwarder.alarms.silenceMinutes', /./);
    expectProblem(alarms({ silenceMinutes: true }), 'forwarder.alarms.silenceMinutes', /./);
    for (const ok of [{}, { silenceMinutes: false }, { silenceMinutes: 5 }, { silenceMinutes: 1440 }, { silenceMinutes: 10080, periodInSeconds: 3600 }, { silenceMinutes: 30, periodInSeconds: 600 }]) {
      expect(problemsOf(alarms(ok))).toEqual([]);
    }
    expect(parseTopology(defaultTopologyInput()).forwarder.alarms.silenceMinutes).toBe(60);
  });

  test('a valid file gives no problems', () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });
});

describe('formatPath', () => {
  test.each([
    [['accounts', 1, 'source', 'bucketName'], 'accounts[1].source.bucketName'],
    [[], '(root)'],
    [['forwarder', 'appConfigLayerArns', 'us-east-1'], 'forwarder.appConfigLayerArns["us-east-1"]'],
  ])('%j -> %s', (path, expected) => {
    expect(formatPath(path as PropertyKey[])).toBe(expected);
  });
});

// Keeps the input type honest: the default document type-checks as TopologyInput.
const _typed: TopologyInput = defaultTopologyInput();
void _typed;
