import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main as forwardMain } from '../../tools/forward';
import { main as replayMain } from '../../tools/replay';
import { forwardFiles } from '../../tools/lib/forward-cli';
import { batchEvents } from '../../functions/forwarder/batcher';
import { createTicket } from '../../functions/forwarder/tickets';
import { FakeIngestServer } from '../../tools/lib/fake-ingest-server';
import { sharedDataPath } from '../support/shared-data';
import { freshen, stratusRecords } from '../functions/forwarder/support/cloudtrail';

/** A string as a RegExp source that matches it literally. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const SUMMARY_KEYS = ['objectsRead', 'records', 'sent', 'dropped', 'truncated', 'restamped', 'failed', 'requests', 'retries', 'bytesSent', 'seconds'];

describe('npm run forward / replay', () => {
  let server: FakeIngestServer;
  let dir: string;
  let out: string[];
  let err: string[];
  const saved = { ...process.env };

  beforeEach(async () => {
    server = await FakeIngestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'forward-test-'));
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    process.env.DT_API_TOKEN = server.token;
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  const summary = () => JSON.parse(out.join('').trim().split('\n').pop()!);

  it('forwards a directory of .json and .json.gz files and prints the summary as the last line', async () => {
    const records = freshen(stratusRecords(), Date.now());
    const logDir = join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2024', '05', '17');
    mkdirSync(logDir, { recursive: true });
    writeFileSync(join(logDir, 'a.json.gz'), gzipSync(JSON.stringify({ Records: records.slice(0, 100) })));
    writeFileSync(join(dir, 'bare.json'), JSON.stringify(records.slice(100)));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const code = await forwardMain(['--dt-url', server.url, dir]);
    expect(code).toBe(0);
    expect(Object.keys(summary())).toEqual(SUMMARY_KEYS);
    expect(summary()).toMatchObject({ objectsRead: 2, records: 310, sent: 310, failed: 0, requests: 1 });
    expect(server.idCounts.size).toBe(310);
    const fromPath = server.events.find((e) => String(e['log.source.aws.s3.key.name']).endsWith('a.json.gz'))!;
    expect(fromPath).toMatchObject({ 'aws.account.id': '111122223333', 'aws.region': 'eu-west-1', 'cloud.log_forwarder': 'trailbridge-cli' });
    const fromRecords = server.events.find((e) => String(e['log.source.aws.s3.key.name']).endsWith('bare.json'))!;
    expect(fromRecords['aws.account.id']).toBe(records[100].recipientAccountId);
  });

  it('prints events with --dry-run and sends nothing', async () => {
    const code = await forwardMain(['--dry-run', sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json')]);
    expect(code).toBe(0);
    const lines = out.join('').trim().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ 'audit.action': 'StopLogging', 'cloud.provider': 'aws' });
    expect(summary()).toMatchObject({ records: 1, sent: 1, requests: 0 });
    expect(server.requests).toEqual([]);
  });

  it('writes tickets with --failures, and replay sends exactly the ticketed records', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords(), Date.now())));
    const failures = join(dir, 'failures.jsonl');
    server.script({ status: 500 });
    expect(await forwardMain(['--dt-url', server.url, '--failures', failures, file])).toBe(1);
    expect(summary()).toMatchObject({ records: 310, sent: 0, failed: 310 });
    const tickets = readFileSync(failures, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(tickets).toEqual([expect.objectContaining({ bucket: '', key: file, ranges: [{ from: 0, to: 310 }], reason: expect.stringMatching(/500/) })]);

    out = [];
    expect(await replayMain(['--dt-url', server.url, failures])).toBe(0);
    expect(summary()).toMatchObject({ records: 310, sent: 310, failed: 0 });
    expect(server.idCounts.size).toBe(310);
    expect(server.duplicates()).toEqual([]);
  });

  it('takes the token only from the environment variable named by --token-env', async () => {
    delete process.env.DT_API_TOKEN;
    const file = sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json');
    await expect(forwardMain(['--dt-url', server.url, file])).rejects.toThrow(/no API token: set it in the environment variable named by --token-env/);
    process.env.MY_TOKEN = server.token;
    expect(await forwardMain(['--dt-url', server.url, '--token-env', 'MY_TOKEN', file])).toBe(0);
    await expect(forwardMain(['--dt-url', server.url, '--token', 'x', file])).rejects.toThrow(/Unknown option '--token'/);
  });

  it('reports a corrupt file on stderr and exits 1, forwarding the others', async () => {
    writeFileSync(join(dir, 'bad.json.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    writeFileSync(join(dir, 'good.json'), JSON.stringify(freshen(stratusRecords().slice(0, 3), Date.now())));
    expect(await forwardMain(['--dt-url', server.url, dir])).toBe(1);
    expect(summary()).toMatchObject({ objectsRead: 2, records: 3, sent: 3 });
    expect(err.join('')).toMatch(/failed: .*bad\.json\.gz: .*(corrupt|truncated) gzip/);
  });

  it('replays into --failures the records that fail again, and notes tickets it does not keep', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const failures = join(dir, 'failures.jsonl');
    const earlier = createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() });
    writeFileSync(failures, earlier.map((ticket) => `${JSON.stringify(ticket)}\n`).join(''));
    server.script({ status: 500 });
    const again = join(dir, 'again.jsonl');
    expect(await replayMain(['--dt-url', server.url, '--failures', again, failures])).toBe(1);
    expect(summary()).toMatchObject({ records: 5, sent: 0, failed: 5 });
    expect(readFileSync(again, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ key: file, ranges: [{ from: 0, to: 5 }], attempt: 2 })]);
    expect(err.join('')).not.toMatch(/not saved/);

    server.script({ status: 500 });
    expect(await replayMain(['--dt-url', server.url, failures])).toBe(1);
    expect(err.join('')).toMatch(/^1 replay ticket\(s\) not saved: pass --failures FILE to keep them$/m);
  });

  it('a --failures file that cannot be written is refused before anything is sent (its tickets would be lost after the run)', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const tickets = join(dir, 'tickets.jsonl');
    writeFileSync(tickets, createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() }).map((t) => `${JSON.stringify(t)}\n`).join(''));
    const inMissingDirectory = join(dir, 'no-such-dir', 'again.jsonl');
    await expect(replayMain(['--dt-url', server.url, '--failures', inMissingDirectory, tickets])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(new RegExp(`^--failures ${escape(inMissingDirectory)}: cannot write the ticket file \\(ENOENT[^)]*\\); nothing was sent: name a file in a directory that exists and that you may write to$`)),
    });
    // A directory, not a file; and forward checks it too.
    await expect(forwardMain(['--dt-url', server.url, '--failures', dir, file])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/cannot write the ticket file \(EISDIR/) });
    expect(server.requests).toHaveLength(0);
    // The check leaves nothing behind (a run that stops before its end creates no file), and a file that is writable is taken.
    const again = join(dir, 'again.jsonl');
    delete process.env.DT_API_TOKEN;
    await expect(replayMain(['--dt-url', server.url, '--failures', again, tickets])).rejects.toMatchObject({ message: expect.stringMatching(/^no API token/) });
    expect(existsSync(again)).toBe(false);
    process.env.DT_API_TOKEN = server.token;
    server.script({ status: 500 });
    expect(await replayMain(['--dt-url', server.url, '--failures', again, tickets])).toBe(1);
    expect(readFileSync(again, 'utf8')).toMatch(/"attempt":2/);
  });

  it('a --failures symbolic link to a file not yet created keeps its link: the check leaves both as they were, the end writes the tickets to its target', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const tickets = join(dir, 'tickets.jsonl');
    writeFileSync(tickets, createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() }).map((t) => `${JSON.stringify(t)}\n`).join(''));
    const target = join(dir, 'kept', 'again.jsonl');
    mkdirSync(join(dir, 'kept'));
    const link = join(dir, 'again.jsonl');
    symlinkSync(target, link);
    delete process.env.DT_API_TOKEN;
    await expect(replayMain(['--dt-url', server.url, '--failures', link, tickets])).rejects.toMatchObject({ message: expect.stringMatching(/^no API token/) });
    expect([lstatSync(link).isSymbolicLink(), existsSync(target)]).toEqual([true, false]);
    process.env.DT_API_TOKEN = server.token;
    server.script({ status: 500 });
    expect(await replayMain(['--dt-url', server.url, '--failures', link, tickets])).toBe(1);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toMatch(/"attempt":2/);
  });

  it('a --failures file that cannot be written at the end (its directory gone, the disk full) loses no ticket: they go to stderr as JSON lines, with what to do, and the exit code is 3', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const tickets = join(dir, 'tickets.jsonl');
    writeFileSync(tickets, createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() }).map((t) => `${JSON.stringify(t)}\n`).join(''));
    const outDir = join(dir, 'out');
    mkdirSync(outDir);
    const again = join(outDir, 'again.jsonl');
    // Dynatrace refuses every request, and the directory of --failures disappears during the run.
    const refusing = await FakeIngestServer.start({ faultFor: () => (rmSync(outDir, { recursive: true, force: true }), { status: 400 }) });
    try {
      expect(await replayMain(['--dt-url', refusing.url, '--failures', again, tickets])).toBe(3);
    } finally {
      await refusing.close();
    }
    expect(summary()).toMatchObject({ records: 5, sent: 0, failed: 5 });
    const stderr = err.join('');
    expect(stderr).toMatch(new RegExp(`^--failures ${escape(again)}: cannot write the ticket file \\(ENOENT[^)]*\\): its 1 replay ticket\\(s\\) follow as JSON lines on stderr; save them \\(the lines that start with \\{"type":"trailbridge.replay-ticket"\\) to a file and replay it with npm run replay -- --dt-url URL FILE$`, 'm'));
    const lines = stderr.split('\n').filter((l) => l.startsWith('{"type":"trailbridge.replay-ticket"'));
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ key: file, ranges: [{ from: 0, to: 5 }], attempt: 2 })]);
  });

  it('--failures is replaced whole at the end (written beside it, then renamed): replaying a ticket file into itself keeps its mode and leaves no temporary file', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const tickets = join(dir, 'tickets.jsonl');
    writeFileSync(tickets, createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() }).map((t) => `${JSON.stringify(t)}\n`).join(''), { mode: 0o600 });
    chmodSync(tickets, 0o600);
    server.script({ status: 500 });
    expect(await replayMain(['--dt-url', server.url, '--failures', tickets, tickets])).toBe(1);
    expect(readFileSync(tickets, 'utf8')).toMatch(/"attempt":2/);
    expect(statSync(tickets).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['records.json', 'tickets.jsonl']);
  });

  it('a --dry-run writes nothing to --failures: the ticket file it replays from is kept as it was', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const failures = join(dir, 'failures.jsonl');
    const tickets = createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() }).map((t) => `${JSON.stringify(t)}\n`).join('');
    writeFileSync(failures, tickets);
    expect(await replayMain(['--dry-run', '--failures', failures, failures])).toBe(0);
    expect(summary()).toMatchObject({ records: 5, sent: 5, requests: 0 });
    expect(readFileSync(failures, 'utf8')).toBe(tickets);
    expect(err.join('')).toMatch(new RegExp(`^--dry-run: ${escape(failures)} not written \\(0 replay ticket\\(s\\)\\)$`, 'm'));
  });

  it('refuses a ticket file with a bad line before sending anything, naming file, line and what is wrong', async () => {
    const file = join(dir, 'records.json');
    writeFileSync(file, JSON.stringify(freshen(stratusRecords().slice(0, 5), Date.now())));
    const [ticket] = createTicket({ bucket: '', key: file, ranges: [{ from: 0, to: 5 }], reason: 'earlier', attempt: 1, now: Date.now() });
    const failures = join(dir, 'failures.jsonl');
    writeFileSync(failures, `${JSON.stringify(ticket)}\r\n\n${JSON.stringify({ ...ticket, ranges: [{ from: 4, to: 1 }] })}\n`);
    await expect(replayMain(['--dt-url', server.url, failures])).rejects.toMatchObject({
      exitCode: 2,
      message: `${failures}:3: not a replay ticket: ranges[0]: {"from":4,"to":1} is not a record range (from an integer >= 0, to null or an integer >= from)`,
    });
    writeFileSync(failures, `${JSON.stringify(ticket).slice(0, 40)}\n`);
    await expect(replayMain(['--dt-url', server.url, failures])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(new RegExp(`^${escape(failures)}:1: not JSON \\(.+\\)$`)) });
    expect(server.requests).toEqual([]);
  });

  it('prints failed objects, then the note about unsaved tickets, and the summary last', async () => {
    writeFileSync(join(dir, 'bad.json.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(await forwardMain(['--dt-url', server.url, dir])).toBe(1);
    expect(err.join('')).toMatch(/(^|\n)failed: .*bad\.json\.gz: [^\n]*\n1 replay ticket\(s\) not saved: pass --failures FILE to keep them\n$/);
    expect(out.join('')).toBe(`${JSON.stringify(summary())}\n`);
  });

  describe('command line', () => {
    const FORWARD_USAGE = 'usage: npm run forward -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE] [--concurrency N] PATH...';
    const REPLAY_USAGE = [
      'usage: npm run replay -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE] [--concurrency N] TICKETS.jsonl...',
      '   or: npm run replay -- --from-queue [--queue-url URL] [--function NAME|ARN] [--max-messages N] [--visibility-timeout SECONDS] [--dry-run]',
    ].join('\n');

    it('forward prints its usage with --help or -h and exits 0, without needing a file', async () => {
      expect(await forwardMain(['--help'])).toBe(0);
      expect(await forwardMain(['-h', '--dt-url', server.url])).toBe(0);
      expect(out.join('')).toBe(`${FORWARD_USAGE}\n${FORWARD_USAGE}\n`);
    });

    it('replay prints both its forms with --help and exits 0', async () => {
      expect(await replayMain(['--help'])).toBe(0);
      expect(out.join('')).toBe(`${REPLAY_USAGE}\n`);
    });

    it('fails with exit code 2 and the usage when no input is named', async () => {
      await expect(forwardMain(['--dt-url', server.url])).rejects.toMatchObject({ exitCode: 2, message: `no file or directory given\n${FORWARD_USAGE}` });
      await expect(replayMain(['--dt-url', server.url])).rejects.toMatchObject({ exitCode: 2, message: `no ticket file given (or --from-queue)\n${REPLAY_USAGE}` });
    });

    it('refuses an empty path (an unset variable in quotes), which would walk the current directory', async () => {
      await expect(forwardMain(['--dry-run', join(dir, 'missing.json'), ''])).rejects.toMatchObject({
        exitCode: 2,
        message: `input 2 is an empty path; name a file or directory (an unset shell variable?)\n${FORWARD_USAGE}`,
      });
    });

    it('fails with exit code 2 and the usage on an unknown option or a missing value', async () => {
      await expect(forwardMain(['--bogus', 'x.json'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(new RegExp(`^Unknown option '--bogus'.*\\n${escape(FORWARD_USAGE)}$`)) });
      await expect(replayMain(['x.jsonl', '--rules'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(new RegExp(`^Option '--rules <value>' argument missing\\n${escape(REPLAY_USAGE)}$`)) });
    });

    it.each(['0', '65', '2.5', 'four'])('refuses --concurrency %s, before reading any input', async (value) => {
      const message = `--concurrency ${value}: use an integer from 1 to 64`;
      await expect(forwardMain(['--concurrency', value, join(dir, 'missing.json')])).rejects.toMatchObject({ exitCode: 2, message });
      await expect(replayMain(['--concurrency', value, join(dir, 'missing.jsonl')])).rejects.toMatchObject({ exitCode: 2, message });
    });

    it('takes --concurrency from 1 to 64', async () => {
      const file = sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json');
      expect(await forwardMain(['--dt-url', server.url, '--concurrency', '1', file])).toBe(0);
      expect(await forwardMain(['--dt-url', server.url, '--concurrency', '64', file])).toBe(0);
    });

    it('reads a bad --rules file before the inputs in forward, after the ticket files in replay', async () => {
      const rules = join(dir, 'rules.json');
      writeFileSync(rules, '{ not json');
      await expect(forwardMain(['--dt-url', server.url, '--rules', rules, join(dir, 'missing.json')])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--rules .*rules\.json: /) });
      await expect(replayMain(['--dt-url', server.url, '--rules', rules, join(dir, 'missing.jsonl')])).rejects.toMatchObject({ exitCode: 2, message: `${join(dir, 'missing.jsonl')}: cannot read the ticket file` });
    });

    it.each([
      ['notaurl', /^--dt-url notaurl: not a URL; give the Dynatrace environment URL, such as https:\/\/abc12345\.live\.dynatrace\.com$/],
      ['http://abc12345.live.dynatrace.com', /^--dt-url http:\/\/abc12345\.live\.dynatrace\.com: the API token would travel unencrypted; use https:\/\/ \(http:\/\/ only for a test server on localhost\)$/],
      ['ftp://abc12345.live.dynatrace.com', /^--dt-url ftp:.*: not an https:\/\/ URL/],
    ])('refuses --dt-url %s before reading any input or token, exit code 2', async (url, message) => {
      await expect(forwardMain(['--dt-url', url, join(dir, 'missing.json')])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
      await expect(replayMain(['--dt-url', url, join(dir, 'missing.jsonl')])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    });

    it('needs --dt-url unless --dry-run, and then reads no token', async () => {
      const file = sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json');
      await expect(forwardMain([file])).rejects.toMatchObject({ exitCode: 2, message: '--dt-url is required (or --dry-run)' });
      delete process.env.DT_API_TOKEN;
      expect(await forwardMain(['--dry-run', file])).toBe(0);
    });
  });

  it('runs in-process with an injected sender, for the benchmark and e2e', async () => {
    const file = sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json');
    const seen: string[] = [];
    const { summary: s } = await forwardFiles([file], {
      sender: { send: async (batch) => (seen.push(...batchEvents(batch)), { accepted: batch.origins.length, failed: [], requests: 1, retries: 0, bytesSent: 0, latenciesMs: [] }) },
    });
    expect(s).toMatchObject({ records: 1, sent: 1, requests: 1 });
    expect(seen).toHaveLength(1);
  });
});
