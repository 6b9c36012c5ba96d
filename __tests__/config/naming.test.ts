import { sourceAccounts } from '../../config/accounts';
import { Naming, NamingError } from '../../config/naming';
import { topologyWith } from '../support/synth';

describe('Naming', () => {
  const naming = new Naming(topologyWith());

  test('derives cross-stack ARNs from account ids, regions and names', () => {
    const [test] = sourceAccounts(naming.topology);
    expect(naming.trailArn(test)).toBe('arn:aws:cloudtrail:us-east-1:111111111111:trail/trailbridge-test');
    expect(naming.notificationTopicArn()).toBe('arn:aws:sns:us-east-1:333333333333:trailbridge-cloudtrail-objects');
    expect(naming.forwarderRoleArn()).toBe('arn:aws:iam::444444444444:role/trailbridge-forwarder');
    expect(naming.forwarderFunctionArn()).toBe('arn:aws:lambda:us-east-1:444444444444:function:trailbridge-forwarder');
    expect(naming.centralBusArn()).toBe('arn:aws:events:us-east-1:333333333333:event-bus/trailbridge-central');
    expect(naming.idrBusArn()).toBe('arn:aws:events:us-east-1:444444444444:event-bus/dynatrace-idr-bus');
    expect(naming.cloudTrailKeyAliasArn()).toBe('arn:aws:kms:us-east-1:333333333333:alias/trailbridge-cloudtrail');
  });

  test('stack names follow <component>-<env>', () => {
    expect(sourceAccounts(naming.topology).map((s) => naming.sourceStackName(s))).toEqual(['source-test', 'source-prod']);
  });

  test('the trail key prefix follows the account or organization layout', () => {
    const [test] = sourceAccounts(naming.topology);
    expect(naming.trailKeyPrefix(test)).toBe('AWSLogs/111111111111/');
    const prefixed = new Naming(topologyWith((t) => (t.accounts[0].source!.keyPrefix = 'cloudtrail')));
    expect(prefixed.trailKeyPrefix(sourceAccounts(prefixed.topology)[0])).toBe('cloudtrail/AWSLogs/111111111111/');
    const org = new Naming(
      topologyWith((t) => {
        t.organization = { id: 'o-abcdefghij', managementAccount: 'infosec-mgmt' };
        t.trails = { mode: 'organization' };
        for (const account of t.accounts) if (account.source) delete account.source.bucketName;
      }),
    );
    expect(org.trailKeyPrefix(sourceAccounts(org.topology)[0])).toBe('AWSLogs/o-abcdefghij/111111111111/');
    expect(org.trailArnsFor(sourceAccounts(org.topology)[0])).toEqual(['arn:aws:cloudtrail:us-east-1:333333333333:trail/trailbridge-organization']);
  });

  test('the Dynatrace tenant is the first label of the environment host', () => {
    expect(naming.dynatraceTenant()).toBe('abc12345');
  });

  test('a name over its service limit fails with the limit and the fix', () => {
    const longest = new Naming(topologyWith((t) => (t.name = 'averyverylongpre')));
    expect(longest.forwarderFunctionName()).toBe('averyverylongpre-forwarder');
    // The schema already bounds the bus name; the naming check is the last line of defence for
    // names composed from several parts, so feed it a topology that skipped validation.
    const topology = topologyWith();
    const tooLong = new Naming({ ...topology, events: { ...topology.events, busName: 'x'.repeat(300) } });
    expect(() => tooLong.centralBusName()).toThrow(NamingError);
    expect(() => tooLong.centralBusName()).toThrow(/is 300 characters, over the limit of 256; shorten/);
  });
});

describe('Naming: every physical name keeps its service rules', () => {
  const topology = topologyWith();

  test('the archive and stream names are checked too', () => {
    // Bypasses the schema's 16-character prefix, as a composed name could.
    expect(new Naming({ ...topology, name: 'x'.repeat(40) }).centralArchiveName()).toHaveLength(48);
    const long = new Naming({ ...topology, name: 'x'.repeat(41) });
    expect(() => long.centralArchiveName()).toThrow(/the eventArchive name "x{41}-central" is 49 characters, over the limit of 48/);
    expect(() => long.idrArchiveName()).toThrow(/the eventArchive name "x{41}-idr-archive" is 53 characters, over the limit of 48/);
    const longer = new Naming({ ...topology, name: 'x'.repeat(120) });
    expect(() => longer.eventStreamName()).toThrow(/the kinesisStream name "x{120}-security-events" is 136 characters, over the limit of 128/);
  });

  test('a name with characters its service refuses fails with what it allows', () => {
    const upper = new Naming({ ...topology, name: 'Trail_Bridge' });
    expect(() => upper.accessLogBucketName()).toThrow(
      /the bucket name "Trail_Bridge-access-logs-333333333333" has characters its service refuses; it allows lowercase letters, digits, "\." and "-"/,
    );
    expect(upper.forwarderFunctionName()).toBe('Trail_Bridge-forwarder');
    expect(() => new Naming({ ...topology, name: 'a b' }).centralRuleName('x')).toThrow(/the eventRule name "a b-x" has characters its service refuses/);
  });

  test('ARNs begin with the topology partition', () => {
    const cn = new Naming({ ...topology, partition: 'aws-cn' });
    expect(cn.centralBusArn()).toBe('arn:aws-cn:events:us-east-1:333333333333:event-bus/trailbridge-central');
    expect(cn.bucketArn('b')).toBe('arn:aws-cn:s3:::b');
    expect(cn.accountRootArn('111111111111')).toBe('arn:aws-cn:iam::111111111111:root');
    expect(cn.dynatraceOidcProviderArn()).toBe('arn:aws-cn:iam::444444444444:oidc-provider/token.dynatrace.com');
  });
});
