import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../../config/load';
import { findJsonSyntaxError } from '../../config/json-syntax';
import { Problem, TopologyError } from '../../config/problems';
import { topologyProblems as problemsOf } from '../support/topologies';

/**
 * Every message in the house style: the JSON path, the value received, what is allowed and the
 * fix, whichever check found the problem (zod's own, a schema's refinement, a cross-field rule).
 */

/** The topology changed by `edit` has exactly this problem among its problems. */
function expectMessage(edit: (t: any) => void, path: string, message: string): void {
  const problems = problemsOf(edit);
  expect(problems).toContainEqual({ path, message });
}

describe("zod's issues, in the house style", () => {
  test('an empty list names the path and how many items are needed', () => {
    expectMessage((t) => (t.regions = []), 'regions', '[] is empty; list at least 1 item here');
    expectMessage((t) => (t.accounts = []), 'accounts', '[] is empty; list at least 1 item here');
  });

  test('a value of the wrong type says what it is, what the option takes and how to write it', () => {
    expectMessage((t) => (t.accounts[1].id = 222222222222), 'accounts[1].id', '222222222222 is a number, but this option takes a string; write it in double quotes: "222222222222"');
    expectMessage((t) => (t.forwarder = { memoryInMb: '256' }), 'forwarder.memoryInMb', '"256" is a string, but this option takes a number; write it without quotes: 256');
    // An option of several forms (a number, or false for none) names them all.
    expectMessage((t) => (t.forwarder = { reservedConcurrency: '10' }), 'forwarder.reservedConcurrency', '"10" matches none of the forms this option takes; use a number or false');
    expectMessage((t) => (t.forwarder = { timeoutInSeconds: 1.5 }), 'forwarder.timeoutInSeconds', '1.5 is a fractional number, but this option takes a whole number; write a whole number, such as 2');
    expectMessage((t) => (t.events = { alertEmails: 'secops@example.com' }), 'events.alertEmails', '"secops@example.com" is a string, but this option takes a list; write it as a list: ["secops@example.com"]');
    expectMessage((t) => (t.accounts[0].source = 'event-trail-test'), 'accounts[0].source', '"event-trail-test" is a string, but this option takes an object; write an object: { ... }');
  });

  test('a value of the wrong format says what to write, in English', () => {
    expectMessage(
      (t) => (t.events = { alertEmails: ['secops'] }),
      'events.alertEmails[0]',
      '"secops" is not a valid email; write an email (see the option\'s description in schema/topology.schema.json)',
    );
  });

  test('a missing option is named, with the kind of value to add', () => {
    expectMessage((t) => delete t.dynatrace, 'dynatrace', 'is required and missing; add it (an object; see its description in schema/topology.schema.json)');
    expectMessage((t) => delete t.accounts[2].id, 'accounts[2].id', 'is required and missing; add it (a string; see its description in schema/topology.schema.json)');
  });

  test('a number out of range gives the whole allowed range', () => {
    expectMessage((t) => (t.forwarder = { memoryInMb: 64 }), 'forwarder.memoryInMb', '64 is out of range; use a number from 128 to 10240');
    expectMessage((t) => (t.forwarder = { timeoutInSeconds: 901 }), 'forwarder.timeoutInSeconds', '901 is out of range; use a number from 10 to 900');
    expectMessage((t) => (t.forwarder = { reservedConcurrency: 0 }), 'forwarder.reservedConcurrency', '0 is out of range; use a number of at least 1');
  });

  test('an unknown key lists the keys allowed there and suggests a near miss', () => {
    expectMessage(
      (t) => (t.accounts[2].rolse = ['security']),
      'accounts[2]',
      'unknown key "rolse" (did you mean "roles"?); the keys allowed here are name, id, roles, deployRole, source: check the spelling or remove it',
    );
    expectMessage(
      (t) => (t.accounts[2].deployRole = { roleName: 'Deployer', role: 'x' }),
      'accounts[2].deployRole',
      'unknown key "role"; the keys allowed here are roleName, roleArn, externalId: check the spelling or remove it',
    );
  });

  test('a value outside a fixed list lists the allowed ones and suggests a near miss', () => {
    expectMessage(
      (t) => (t.accounts[2].roles = ['log-archive', 'secuirty']),
      'accounts[2].roles[1]',
      '"secuirty" is not allowed; use one of "source", "log-archive", "security", "observability", "incident-response" (did you mean "security"?)',
    );
    expectMessage((t) => (t.partition = 'aws-us-gvo'), 'partition', '"aws-us-gvo" is not allowed; use one of "aws", "aws-us-gov", "aws-cn" (did you mean "aws-us-gov"?)');
    // Too far from every value to be a typo: no guess.
    expectMessage((t) => (t.partition = 'azure'), 'partition', '"azure" is not allowed; use one of "aws", "aws-us-gov", "aws-cn"');
  });

  test('a value that fits none of the forms of an option names each form', () => {
    expectMessage((t) => (t.backend = { type: 'consul' }), 'backend.type', '"consul" is not a known type; use one of "local", "s3", "cloud"');
    expectMessage(
      (t) => (t.accounts[3].deployRole = 'yes'),
      'accounts[3].deployRole',
      '"yes" matches none of the forms this option takes; use false or an object (keys roleName, roleArn, externalId)',
    );
  });

  test('a rule a schema words itself still names the value received', () => {
    expectMessage(
      (t) => (t.events = { customRules: [{ name: 'Bad_Name', pattern: { source: ['aws.ec2'] }, target: 'sns' }] }),
      'events.customRules[0].name',
      '"Bad_Name" is not allowed: a rule name uses lowercase letters, digits and "-", at most 41 characters',
    );
    // A message that already shows the value is left as the schema wrote it.
    expectMessage((t) => (t.forwarder = { logRetentionInDays: 45 }), 'forwarder.logRetentionInDays', expect.stringMatching(/^45 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5,/) as unknown as string);
  });

  test("no message is zod's raw wording", () => {
    const problems = problemsOf((t) => {
      t.name = 5;
      t.regions = [];
      t.accounts[0].roles = [];
      t.accounts[1].id = 222222222222;
      t.accounts[2].extra = true;
      t.accounts[3].deployRole = 'yes';
      t.backend = { type: 'consul' };
      t.forwarder = { memoryInMb: 5, timeoutInSeconds: 1.5, reservedConcurrency: '10' };
      t.events = { alertEmails: 'secops@example.com' };
      t.partition = 'aws-gov';
      delete t.dynatrace;
    });
    expect(problems.length).toBeGreaterThanOrEqual(12);
    const raw = problems.filter((p) => /^(Too small|Too big|Invalid|Unrecognized|Expected|Required)\b|received/.test(p.message));
    expect(raw).toEqual([]);
  });
});

describe('roles', () => {
  const management = (t: any) => {
    t.organization = { id: 'o-abcdefghij', managementAccount: 'root' };
    t.accounts.push({ name: 'root', id: '555555555555', roles: [] });
  };

  test("an account with no role is the organization's management account, or a mistake with its fix", () => {
    expect(problemsOf(management)).toEqual([]);
    expect(problemsOf((t) => (t.accounts[0].roles = []))).toContainEqual({
      path: 'accounts[0].roles',
      message:
        '[] gives this account nothing to do; give it at least one of "source", "log-archive", "security", "observability", "incident-response", or, if it is the organization\'s management account, name it in organization.managementAccount',
    });
    expect(problemsOf((t) => t.accounts.push({ name: 'root', id: '555555555555', roles: [] })).map((p) => p.path)).toEqual(['accounts[4].roles']);
  });
});

describe('the home region hint', () => {
  test('proposes only enabled regions that are themselves valid', () => {
    expectMessage((t) => (t.regions = ['us-east-1', 'mars-north-1', 'eu-west-1']), 'regions[1]', expect.stringMatching(/^"mars-north-1" is not a known region/) as unknown as string);
    expectMessage(
      (t) => {
        t.regions = ['us-east-2', 'mars-north-1', 'eu-west-1'];
        t.homeRegion = 'us-east-1';
      },
      'homeRegion',
      '"us-east-1" is not among the enabled regions; add it to regions or pick one of "us-east-2", "eu-west-1"',
    );
  });

  test('does not tell the user to enable a region that does not exist', () => {
    expectMessage((t) => (t.homeRegion = 'us-east-9'), 'homeRegion', '"us-east-9" is not among the enabled regions, nor a known region; pick one of "us-east-1", "us-east-2", "eu-west-1"');
    expectMessage(
      (t) => {
        t.regions = ['mars-north-1'];
        t.homeRegion = 'us-east-9';
      },
      'homeRegion',
      '"us-east-9" is not among the enabled regions, nor a known region; list a known region in regions and name it here',
    );
  });
});

describe('a topology file that is not JSON', () => {
  function fileProblem(text: string): Problem {
    try {
      parseJson(text, 'topology.json');
    } catch (err) {
      if (err instanceof TopologyError) return err.problems[0];
      throw err;
    }
    throw new Error(`parsed: ${JSON.stringify(text)}`);
  }

  test.each([
    ['a comma before "}"', '{\n  "name": "acme",\n  "homeRegion": "us-east-1",\n}\n', 4, 1, 'a property name in double quotes (JSON allows no comma before "}")', '"}"'],
    ['a comma before "]"', '{\n  "regions": ["us-east-1",]\n}', 2, 27, 'another list item (JSON allows no comma before "]")', '"]"'],
    ['single quotes', "{\n  'name': 'acme'\n}", 2, 3, 'a property name in double quotes', '"\'"'],
    ['a comment', '{\n  // the accounts\n  "accounts": []\n}', 2, 3, 'JSON, which has no comments (the topology takes a top-level "$comment" string)', '"//"'],
    ['a missing comma', '{\n  "name": "acme"\n  "homeRegion": "us-east-1"\n}', 3, 3, '"," between properties, or "}" to close the object', '"\\""'],
    ['a truncated file', '{\n  "accounts": [\n    { "name": "test"', 3, 21, '"," between properties, or "}" to close the object', 'the end of the file'],
    ['a misspelt literal', '{ "sqsBuffer": ture }', 1, 16, 'a value (an object, a list, a string in double quotes, a number, true, false or null)', '"ture"'],
  ])('%s: line and column of the error, what was expected and found', (_, text, line, column, expected, found) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(fileProblem(text)).toEqual({ path: '(file)', message: `not valid JSON at line ${line}, column ${column}: expected ${expected}, found ${found}; correct the file there` });
  });

  test('the scanner finds no error where JSON.parse finds none', () => {
    const root = join(__dirname, '..', '..');
    const texts = ['config/default-topology.json', 'examples/topology.example.json', 'schema/topology.schema.json'].map((f) => readFileSync(join(root, f), 'utf8'));
    texts.push('[1, -2.5e+3, 0, "a\\u00e9\\n\\"", true, false, null, {}, []]', '"just a string"', ' 42 ');
    for (const text of texts) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
    expect(texts.length).toBe(6);
  });

  test('a byte order mark at the start is accepted, as editors write it', () => {
    expect(parseJson('\uFEFF{"name": "acme"}', 'topology.json')).toEqual({ name: 'acme' });
  });
});
