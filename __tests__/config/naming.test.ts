import { Naming, NamingError } from '../../config/naming';
import { topologyWith } from '../support/synth';

describe('Naming', () => {
  const naming = new Naming(topologyWith());

  test('finds the account of each role, and the sources', () => {
    expect(naming.account('log-archive').name).toBe('infosec-mgmt');
    expect(naming.account('security').name).toBe('infosec-mgmt');
    expect(naming.account('observability').name).toBe('ems');
    expect(naming.account('incident-response').name).toBe('ems');
    expect(naming.sources.map((s) => s.name)).toEqual(['test', 'prod']);
    expect(naming.sourceAccountIds).toEqual(['111111111111', '222222222222']);
  });

  test('derives cross-stack ARNs from account ids, regions and names', () => {
    const [test] = naming.sources;
    expect(naming.trailArn(test)).toBe('arn:aws:cloudtrail:us-east-1:111111111111:trail/trailbridge-test');
    expect(naming.notificationTopicArn()).toBe('arn:aws:sns:us-east-1:333333333333:trailbridge-cloudtrail-objects');
    expect(naming.forwarderRoleArn()).toBe('arn:aws:iam::444444444444:role/trailbridge-forwarder');
    expect(naming.forwarderFunctionArn()).toBe('arn:aws:lambda:us-east-1:444444444444:function:trailbridge-forwarder');
    expect(naming.centralBusArn()).toBe('arn:aws:events:us-east-1:333333333333:event-bus/trailbridge-central');
    expect(naming.idrBusArn()).toBe('arn:aws:events:us-east-1:444444444444:event-bus/dynatrace-idr-bus');
    expect(naming.cloudTrailKeyAliasArn()).toBe('arn:aws:kms:us-east-1:333333333333:alias/trailbridge-cloudtrail');
  });

  test('stack names follow <component>-<env>', () => {
    expect(naming.sources.map((s) => naming.sourceStackName(s))).toEqual(['source-test', 'source-prod']);
  });

  test('the trail key prefix follows the account or organization layout', () => {
    const [test] = naming.sources;
    expect(naming.trailKeyPrefix(test)).toBe('AWSLogs/111111111111/');
    const prefixed = new Naming(topologyWith((t) => (t.accounts[0].source!.keyPrefix = 'cloudtrail')));
    expect(prefixed.trailKeyPrefix(prefixed.sources[0])).toBe('cloudtrail/AWSLogs/111111111111/');
    const org = new Naming(
      topologyWith((t) => {
        t.organization = { id: 'o-abcdefghij', managementAccount: 'infosec-mgmt' };
        t.trails = { mode: 'organization' };
        for (const account of t.accounts) if (account.source) delete account.source.bucketName;
      }),
    );
    expect(org.trailKeyPrefix(org.sources[0])).toBe('AWSLogs/o-abcdefghij/111111111111/');
    expect(org.trailArnsFor(org.sources[0])).toEqual(['arn:aws:cloudtrail:us-east-1:333333333333:trail/trailbridge-organization']);
  });

  test('the deploy role comes from the topology, the account, or is off', () => {
    const custom = new Naming(
      topologyWith((t) => {
        t.deployRole = { roleName: 'Deployer', externalId: 'ext-1' };
        t.accounts[1].deployRole = { roleArn: 'arn:aws:iam::999999999999:role/Hub' };
        t.accounts[2].deployRole = false;
      }),
    );
    const [test, prod, infosec] = custom.topology.accounts;
    expect(custom.deployRoleArn(test)).toBe('arn:aws:iam::111111111111:role/Deployer');
    expect(custom.deployRoleExternalId(test)).toBe('ext-1');
    expect(custom.deployRoleArn(prod)).toBe('arn:aws:iam::999999999999:role/Hub');
    expect(custom.deployRoleArn(infosec)).toBeUndefined();
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
