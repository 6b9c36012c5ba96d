import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InvalidPatternError } from '../../../functions/lib/event-pattern';
import { matchEventLines } from '../../../tools/simulate/pattern-mode';
import { listCloudTrailFiles, parseCloudTrail, readCloudTrailFile, SimulateInputError } from '../../../tools/simulate/read-cloudtrail';

const records = [{ eventName: 'CreateBucket' }, { eventName: 'DeleteBucket' }];

describe('reading CloudTrail files', () => {
  it('reads a Records object, a bare array, and gzip whatever the name', () => {
    expect(parseCloudTrail('a.json', Buffer.from(JSON.stringify({ Records: records })))).toEqual(records);
    expect(parseCloudTrail('a.json', Buffer.from(JSON.stringify(records)))).toEqual(records);
    expect(parseCloudTrail('a.json', gzipSync(JSON.stringify({ Records: records })))).toEqual(records);
  });

  it('names the file and the record index of bad input', () => {
    expect(() => parseCloudTrail('bad.json', Buffer.from('{"Records": ['))).toThrow(/^bad\.json: not valid JSON/);
    expect(() => parseCloudTrail('bad.json', Buffer.from('{"records": []}'))).toThrow(/^bad\.json: expected a CloudTrail log file/);
    expect(() => parseCloudTrail('bad.json', Buffer.from('[{}, 3]'))).toThrow(new SimulateInputError('bad.json record 1: a CloudTrail record must be a JSON object, got 3'));
    expect(() => readCloudTrailFile('/nonexistent/x.json')).toThrow(/^\/nonexistent\/x\.json: cannot read \(ENOENT\)/);
  });

  it('walks directories for .json and .json.gz files in name order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    mkdirSync(join(dir, 'AWSLogs'));
    writeFileSync(join(dir, 'b.json'), '[]');
    writeFileSync(join(dir, 'AWSLogs', 'a.json.gz'), gzipSync('[]'));
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(listCloudTrailFiles([dir])).toEqual([join(dir, 'AWSLogs', 'a.json.gz'), join(dir, 'b.json')]);
  });
});

describe('--pattern with --events', () => {
  const pattern = JSON.stringify({ source: ['aws.s3'], detail: { eventName: [{ prefix: 'Create' }] } });

  it('prints match or nomatch for each event line, skipping blank lines', () => {
    const events = ['{"source": "aws.s3", "detail": {"eventName": "CreateBucket"}}', '', '{"source": "aws.s3", "detail": {"eventName": "DeleteBucket"}}'].join('\n');
    expect(matchEventLines(pattern, 'p.json', events, 'e.jsonl')).toEqual(['match', 'nomatch']);
  });

  it('rejects an invalid pattern with the reason', () => {
    expect(() => matchEventLines('{"source": "aws.s3"}', 'p.json', '', 'e.jsonl')).toThrow(InvalidPatternError);
    expect(() => matchEventLines('{"source": "aws.s3"}', 'p.json', '', 'e.jsonl')).toThrow(/source: "source" must be an object or an array/);
  });

  it('names the pattern file when it is not JSON', () => {
    expect(() => matchEventLines('{"source": [', 'p.json', '{}', 'e.jsonl')).toThrow(SimulateInputError);
    expect(() => matchEventLines('{"source": [', 'p.json', '{}', 'e.jsonl')).toThrow(/^p\.json: not valid JSON \(.+\)$/);
  });

  it('names the line of an event that is not JSON', () => {
    expect(() => matchEventLines(pattern, 'p.json', '{}\n{oops', 'e.jsonl')).toThrow(/^e\.jsonl line 2: not valid JSON/);
    expect(() => matchEventLines(pattern, 'p.json', '[]', 'e.jsonl')).toThrow(/^e\.jsonl line 1: an event must be a JSON object/);
  });
});
