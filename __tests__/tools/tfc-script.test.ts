import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspacePlan, WorkspacePlan } from '../../tools/tfc/workspaces';
import { describeWithTool } from '../support/required-tools';
import { exampleTopology } from '../support/topologies';

/**
 * The API script of docs/terraform-cloud.md, as the page shows it, run against a stand-in of the
 * HCP Terraform API (the few endpoints it calls, JSON:API shaped) through its TFE_API override.
 */

const ROOT = join(__dirname, '..', '..');
const TOKEN = 'tfe-test-token.atlasv1.0123456789abcdef';

function scriptOfPage(): string {
  const page = readFileSync(join(ROOT, 'docs', 'terraform-cloud.md'), 'utf8');
  const match = /```sh\n(#!\/usr\/bin\/env bash\n[\s\S]*?)```/.exec(page);
  if (!match) throw new Error('docs/terraform-cloud.md: no ```sh block starting with #!/usr/bin/env bash');
  return match[1];
}

interface Variable {
  id: string;
  key: string;
  value: string;
  category: string;
  sensitive: boolean;
}
interface ApiWorkspace {
  id: string;
  name: string;
  project: string;
  vars: Variable[];
  /** Ids of the workspaces whose apply triggers this one. */
  triggers: string[];
  attributes: Record<string, unknown>;
}

interface VariableSet {
  id: string;
  name: string;
  priority: boolean;
  global: boolean;
  /** Ids of the workspaces it applies to, when not global. */
  workspaces: string[];
  vars: Variable[];
}

/** The organization's state, as the stand-in keeps it. */
class FakeHcp {
  readonly projects = new Map<string, string>([['prj-default', 'Default Project']]);
  readonly workspaces: ApiWorkspace[] = [];
  readonly varsets: VariableSet[] = [];
  readonly calls: string[] = [];
  /** Answers a request itself (a 429, no answer) when it returns true; the state is left alone. */
  intercept?: (req: IncomingMessage, res: ServerResponse, body: any) => boolean;
  /** Lists projects without filter[names], as a Terraform Enterprise from before it does. */
  ignoreProjectFilter = false;
  private next = 1;
  private server?: Server;

  constructor(readonly organization: string) {}

  newId(prefix: string): string {
    return `${prefix}-${this.next++}`;
  }

  addWorkspace(name: string, project: string, vars: Omit<Variable, 'id'>[] = []): ApiWorkspace {
    const ws: ApiWorkspace = { id: this.newId('ws'), name, project, vars: vars.map((v) => ({ ...v, id: this.newId('var') })), triggers: [], attributes: {} };
    this.workspaces.push(ws);
    return ws;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => this.handle(req, body ? JSON.parse(body) : undefined, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v2`;
  }

  stop(): Promise<void> {
    // A request the stand-in never answered keeps its connection open: close it too.
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, body: any, res: ServerResponse): void {
    const url = new URL(req.url!, 'http://x');
    const path = decodeURIComponent(url.pathname);
    this.calls.push(`${req.method} ${path}`);
    if (this.intercept?.(req, res, body)) return;
    const answer = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/vnd.api+json' });
      res.end(JSON.stringify(value));
    };
    // A list answers one page, as HCP Terraform does: page[size] 20 unless asked, at most 100.
    const list = (items: unknown[]) => {
      const size = Math.min(Number(url.searchParams.get('page[size]') ?? 20), 100);
      const number = Number(url.searchParams.get('page[number]') ?? 1);
      const pages = Math.max(1, Math.ceil(items.length / size));
      const pagination = { 'current-page': number, 'page-size': size, 'prev-page': number > 1 ? number - 1 : null, 'next-page': number < pages ? number + 1 : null, 'total-pages': pages, 'total-count': items.length };
      return answer(200, { data: items.slice((number - 1) * size, number * size), meta: { pagination } });
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer(401, { errors: [{ status: '401', title: 'unauthorized' }] });
    const org = `/api/v2/organizations/${this.organization}`;
    const wsJson = (ws: ApiWorkspace) => ({ id: ws.id, type: 'workspaces', attributes: { name: ws.name, ...ws.attributes }, relationships: { project: { data: { id: ws.project, type: 'projects' } } } });
    const byId = (id: string) => this.workspaces.find((w) => w.id === id);
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === `${org}/projects`) {
      const names = (url.searchParams.get('filter[names]') ?? '').split(',');
      return list([...this.projects].filter(([, name]) => this.ignoreProjectFilter || names.includes(name)).map(([id, name]) => ({ id, type: 'projects', attributes: { name } })));
    }
    if (req.method === 'GET' && (m = new RegExp(`^${org}/workspaces/([^/]+)$`).exec(path))) {
      const ws = this.workspaces.find((w) => w.name === m![1]);
      return ws ? answer(200, { data: wsJson(ws) }) : answer(404, { errors: [{ status: '404', title: 'not found' }] });
    }
    if (req.method === 'PATCH' && (m = /^\/api\/v2\/workspaces\/([^/]+)$/.exec(path))) {
      const ws = byId(m[1]);
      if (!ws) return answer(404, { errors: [{ status: '404' }] });
      Object.assign(ws.attributes, body.data.attributes);
      return answer(200, { data: wsJson(ws) });
    }
    if (req.method === 'POST' && path === `${org}/workspaces`) {
      const { name, ...attributes } = body.data.attributes;
      const project = body.data.relationships?.project?.data?.id;
      if (!this.projects.has(project)) return answer(422, { errors: [{ status: '422', title: 'invalid attribute', detail: `Project ${project} not found` }] });
      const ws = this.addWorkspace(name, project);
      ws.attributes = attributes;
      return answer(201, { data: wsJson(ws) });
    }
    if ((m = /^\/api\/v2\/workspaces\/([^/]+)\/vars(?:\/([^/]+))?$/.exec(path))) {
      const ws = byId(m[1]);
      if (!ws) return answer(404, { errors: [{ status: '404' }] });
      if (req.method === 'GET' && !m[2]) return list(ws.vars.map(({ id, ...attributes }) => ({ id, type: 'vars', attributes: { ...attributes, value: attributes.sensitive ? null : attributes.value } })));
      if (req.method === 'POST' && !m[2]) {
        const v = { id: this.newId('var'), ...body.data.attributes } as Variable;
        if (ws.vars.some((x) => x.key === v.key && x.category === v.category)) return answer(422, { errors: [{ status: '422', detail: 'Key has already been taken' }] });
        ws.vars.push(v);
        return answer(201, { data: { id: v.id, type: 'vars', attributes: v } });
      }
      if (req.method === 'PATCH' && m[2]) {
        const v = ws.vars.find((x) => x.id === m![2]);
        if (!v) return answer(404, { errors: [{ status: '404' }] });
        Object.assign(v, body.data.attributes);
        return answer(200, { data: { id: v.id, type: 'vars', attributes: v } });
      }
    }
    if (req.method === 'GET' && (m = /^\/api\/v2\/workspaces\/([^/]+)\/varsets$/.exec(path))) {
      const ws = byId(m[1]);
      if (!ws) return answer(404, { errors: [{ status: '404' }] });
      return list(this.varsets.filter((v) => v.global || v.workspaces.includes(ws.id)).map((v) => ({ id: v.id, type: 'varsets', attributes: { name: v.name, priority: v.priority, global: v.global } })));
    }
    if (req.method === 'GET' && (m = /^\/api\/v2\/varsets\/([^/]+)\/relationships\/vars$/.exec(path))) {
      const set = this.varsets.find((v) => v.id === m![1]);
      if (!set) return answer(404, { errors: [{ status: '404' }] });
      return list(set.vars.map(({ id, ...attributes }) => ({ id, type: 'vars', attributes: { ...attributes, value: attributes.sensitive ? null : attributes.value } })));
    }
    if ((m = /^\/api\/v2\/workspaces\/([^/]+)\/run-triggers$/.exec(path))) {
      const ws = byId(m[1]);
      if (!ws) return answer(404, { errors: [{ status: '404' }] });
      if (req.method === 'GET') {
        if (url.searchParams.get('filter[run-trigger][type]') !== 'inbound') return answer(400, { errors: [{ status: '400', detail: 'filter[run-trigger][type] is required' }] });
        return list(ws.triggers.map((source) => ({ id: `rt-${ws.id}-${source}`, type: 'run-triggers', relationships: { sourceable: { data: { id: source, type: 'workspaces' } } } })));
      }
      if (req.method === 'POST') {
        const source = body.data.relationships.sourceable.data.id;
        if (ws.triggers.includes(source)) return answer(422, { errors: [{ status: '422', detail: 'Sourceable has already been taken' }] });
        ws.triggers.push(source);
        return answer(201, { data: { id: `rt-${ws.id}-${source}`, type: 'run-triggers' } });
      }
    }
    if (req.method === 'DELETE' && (m = /^\/api\/v2\/run-triggers\/([^/]+)$/.exec(path))) {
      for (const ws of this.workspaces) {
        const source = ws.triggers.find((s) => `rt-${ws.id}-${s}` === m![1]);
        if (source) {
          ws.triggers = ws.triggers.filter((s) => s !== source);
          res.writeHead(204);
          return void res.end();
        }
      }
      return answer(404, { errors: [{ status: '404' }] });
    }
    answer(404, { errors: [{ status: '404', title: `no route ${req.method} ${path}` }] });
  }
}

describeWithTool('jq', 'docs/terraform-cloud.md: the API script (jq, curl, bash)', () => {
  let dir: string;
  let hcp: FakeHcp;
  let api: string;
  let plan: WorkspacePlan;

  beforeAll(() => {
    plan = workspacePlan(exampleTopology());
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tfc-script-'));
    writeFileSync(join(dir, 'tfc-workspaces.sh'), scriptOfPage());
    chmodSync(join(dir, 'tfc-workspaces.sh'), 0o755);
    writeFileSync(join(dir, 'workspaces.json'), JSON.stringify(plan));
    // curl on PATH records its arguments, then runs the real one.
    writeFileSync(join(dir, 'curl'), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >> ${JSON.stringify(join(dir, 'curl-args.log'))}\nexec /usr/bin/curl "$@"\n`);
    chmodSync(join(dir, 'curl'), 0o755);
    hcp = new FakeHcp(plan.organization);
    hcp.projects.set('prj-security', plan.project);
    api = await hcp.start();
  });
  afterEach(async () => {
    await hcp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        join(dir, 'tfc-workspaces.sh'),
        [join(dir, 'workspaces.json')],
        { env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir, TFE_TOKEN: TOKEN, TFE_API: api, ...env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const envOf = (ws: ApiWorkspace) => Object.fromEntries(ws.vars.filter((v) => v.category === 'env').map((v) => [v.key, v.value]));

  test('creates every workspace in the project, with its variables and run triggers; run again, it changes nothing', async () => {
    const first = await run();
    expect(first).toEqual(expect.objectContaining({ code: 0, stderr: '' }));
    expect(hcp.workspaces.map((w) => w.name).sort()).toEqual(plan.workspaces.map((w) => w.workspace).sort());
    const idOf = new Map(hcp.workspaces.map((w) => [w.name, w.id]));
    for (const w of plan.workspaces) {
      const ws = hcp.workspaces.find((x) => x.name === w.workspace)!;
      expect({ name: ws.name, project: ws.project, env: envOf(ws), triggers: ws.triggers.sort() }).toEqual({
        name: w.workspace,
        project: 'prj-security',
        env: w.environment,
        triggers: w.runTriggers.map((t) => idOf.get(t)).sort(),
      });
    }
    const writes = hcp.calls.filter((c) => !c.startsWith('GET')).length;
    const workspaces = plan.workspaces.length;
    const variables = plan.workspaces.reduce((n, w) => n + Object.keys(w.environment).length, 0);
    const triggers = plan.workspaces.reduce((n, w) => n + w.runTriggers.length, 0);
    expect(first.stdout).toMatch(new RegExp(`\ndone: ${workspaces + variables + triggers} changes in ${workspaces} workspaces\n$`));
    const second = await run();
    expect(second).toEqual(expect.objectContaining({ code: 0, stdout: `done: no change: the ${workspaces} workspaces, their variables and run triggers are as the plan says\n`, stderr: '' }));
    expect(hcp.calls.filter((c) => !c.startsWith('GET')).length).toBe(writes);
  });

  test('the token is in no argument of curl and in no output', async () => {
    const { stdout, stderr } = await run();
    expect(readFileSync(join(dir, 'curl-args.log'), 'utf8')).not.toContain(TOKEN);
    expect(stdout + stderr).not.toContain(TOKEN);
  });

  test('a project the organization does not have stops it before anything is created, naming the project and what to do', async () => {
    hcp.projects.delete('prj-security');
    const { code, stderr } = await run();
    expect(code).not.toBe(0);
    expect(stderr).toMatch(new RegExp(`^error: organization ${plan.organization} has no project "${plan.project}": create it \\(Projects, New project\\) or set backend\\.project to one it has$`, 'm'));
    expect(hcp.workspaces).toEqual([]);
  });

  test('a variable of the plan with another value (a renamed topology, an edited role) is set to the plan\'s; one of category terraform with the same key does not count', async () => {
    const w = plan.workspaces[0];
    const stale = hcp.addWorkspace(w.workspace, 'prj-security', [
      { key: 'TFC_AWS_PLAN_ROLE_ARN', value: 'arn:aws:iam::100000000050:role/old-plan', category: 'env', sensitive: false },
      { key: 'TFC_AWS_APPLY_ROLE_ARN', value: 'x', category: 'terraform', sensitive: false },
    ]);
    const { code, stdout, stderr } = await run();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(envOf(stale)).toEqual(w.environment);
    expect(stdout).toMatch(new RegExp(`^  ${w.workspace}: TFC_AWS_PLAN_ROLE_ARN updated \\(was arn:aws:iam::100000000050:role/old-plan\\)$`, 'm'));
    // Corrected once, then left alone; each run says which.
    const again = await run();
    expect(again.stdout).toMatch(/^done: no change: /m);
    stale.vars.find((v) => v.key === 'TFC_AWS_PLAN_ROLE_ARN')!.value = 'drifted';
    const drifted = await run();
    expect(drifted.stdout).toBe(`  ${w.workspace}: TFC_AWS_PLAN_ROLE_ARN updated (was drifted)\ndone: 1 change in ${plan.workspaces.length} workspaces\n`);
  });

  test('a workspace that exists in another project is said: its runs\' token names that project, which the roles do not trust', async () => {
    const w = plan.workspaces[0];
    hcp.addWorkspace(w.workspace, 'prj-default');
    const { code, stdout, stderr } = await run();
    expect(code).toBe(0);
    expect(stdout).toMatch(/; 1 warning above \(stderr\)$/m);
    expect(stderr).toMatch(new RegExp(`^warning: ${w.workspace} is in project prj-default, not "${plan.project}" \\(prj-security\\): the roles trust only runs of "${plan.project}"; move it there \\(workspace Settings, General\\)$`, 'm'));
  });

  test('WORKFLOW=vcs gives each new workspace its working directory and trigger prefix', async () => {
    expect((await run({ WORKFLOW: 'vcs' })).code).toBe(0);
    for (const w of plan.workspaces) {
      const ws = hcp.workspaces.find((x) => x.name === w.workspace)!;
      expect(ws.attributes).toEqual(expect.objectContaining({ 'working-directory': w.workingDirectory, 'trigger-prefixes': [w.workingDirectory], 'execution-mode': 'remote', 'auto-apply': false }));
    }
  });

  test('an API error stops it with the answer, not a silent exit', async () => {
    const { code, stderr } = await run({ TFE_TOKEN: 'wrong' });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(new RegExp(`^error: project "${plan.project}": GET \\S+/projects\\?\\S+ failed \\(HTTP 401\\): .*unauthorized.*\n  the token is not valid \\(expired, revoked, or of another host\\): set TFE_TOKEN to a team or user token of ${plan.organization}$`, 'm'));
    expect(stderr).not.toContain('wrong');
  });

  const tooMany = (res: ServerResponse, headers: Record<string, string>): true => {
    res.writeHead(429, { 'Content-Type': 'application/vnd.api+json', ...headers });
    res.end(JSON.stringify({ errors: [{ status: '429', title: 'Too many requests' }] }));
    return true;
  };

  test('a 429 (rate limit) is retried, GET and POST alike, after the Retry-After or X-RateLimit-Reset it gives, and the run completes as without', async () => {
    let n = 0;
    hcp.intercept = (_req, res) => {
      n++;
      if (n === 1) return tooMany(res, { 'Retry-After': '1' });
      return n % 4 === 1 && n < 60 ? tooMany(res, { 'X-RateLimit-Limit': '30', 'X-RateLimit-Reset': '0.05' }) : false;
    };
    const { code, stderr } = await run();
    expect(code).toBe(0);
    expect(hcp.calls.filter((c) => c.startsWith('POST')).length).toBeGreaterThan(0);
    expect(hcp.workspaces.map((w) => w.name).sort()).toEqual(plan.workspaces.map((w) => w.workspace).sort());
    for (const w of plan.workspaces) expect(envOf(hcp.workspaces.find((x) => x.name === w.workspace)!)).toEqual(w.environment);
    expect(stderr).toMatch(/^note: project "[^"]+": GET \S+: HTTP 429; try 2 of 6 in 1 s$/m);
    expect(stderr).toMatch(/^note: workspace \S+(, variable \S+)?: POST \S+: HTTP 429; try 2 of 6 in 0\.05 s$/m);
    expect(stderr).not.toMatch(/^error/m);
  });

  test('a 503 of a GET is retried with backoff (1 s, 2 s, ...) when the answer says no wait', async () => {
    let n = 0;
    hcp.intercept = (req, res) => {
      if (req.method !== 'GET' || n++ > 0) return false;
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('upstream unavailable');
      return true;
    };
    const { code, stderr } = await run();
    expect(code).toBe(0);
    expect(stderr).toMatch(/^note: project "[^"]+": GET \S+: HTTP 503; try 2 of 6 in 1 s$/m);
  });

  test('a rate limit that outlasts TFE_RETRIES stops it with the status and what to do', async () => {
    hcp.intercept = (_req, res) => tooMany(res, { 'X-RateLimit-Reset': '0.01' });
    const { code, stderr } = await run({ TFE_RETRIES: '2' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: project "[^"]+": GET \S+\/projects\?\S+ failed \(HTTP 429\): .*Too many requests/m);
    expect(stderr).toMatch(/still rate limited after 2 retries: run it again in a minute/);
  });

  test('a request without an answer stops at TFE_MAX_TIME seconds, naming the URL, instead of hanging', async () => {
    // The workspace lookups never answer.
    hcp.intercept = (req) => req.method === 'GET' && /\/organizations\/[^/]+\/workspaces\//.test(req.url!);
    const started = Date.now();
    const { code, stderr } = await run({ TFE_MAX_TIME: '1', TFE_RETRIES: '1' });
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(stderr).toMatch(/^note: workspace \S+: GET \S+\/workspaces\/\S+: no answer \(curl: \(28\)[^\n]*\); try 2 of 2 in 1 s$/m);
    expect(stderr).toMatch(/^error: workspace \S+: GET \S+\/workspaces\/\S+ failed \(no answer\): curl: \(28\) /m);
    expect(hcp.workspaces).toEqual([]);
  });

  test('a server that refuses the connection stops it with the URL and what to do', async () => {
    await hcp.stop();
    const { code, stderr } = await run({ TFE_RETRIES: '0' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: project "[^"]+": GET \S+\/projects\?\S+ failed \(no answer\): curl: \(7\) /m);
    expect(stderr).toMatch(/check TFE_API or the plan's hostname, and the network/);
  });

  test('a workspace with more variables than a page holds (HCP Terraform pages at 20, at most 100) is compared on every page', async () => {
    const w = plan.workspaces.find((x) => Object.keys(x.environment).length > 0)!;
    const others = Array.from({ length: 130 }, (_, i) => ({ key: `other_${i}`, value: `${i}`, category: 'terraform', sensitive: false }));
    const [first, ...rest] = Object.entries(w.environment);
    const ws = hcp.addWorkspace(w.workspace, 'prj-security', [
      ...others,
      { key: first[0], value: 'stale', category: 'env', sensitive: false },
      ...rest.map(([key, value]) => ({ key, value, category: 'env', sensitive: false })),
    ]);
    const { code, stdout, stderr } = await run();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(hcp.calls.filter((c) => c === `POST /api/v2/workspaces/${ws.id}/vars`)).toEqual([]);
    expect(envOf(ws)).toEqual(w.environment);
    expect(stdout).toMatch(new RegExp(`^  ${w.workspace}: ${first[0]} updated \\(was stale\\)$`, 'm'));
  });

  test('the project is found on any page of the list when the API does not filter by name (an older Terraform Enterprise)', async () => {
    hcp.ignoreProjectFilter = true;
    for (let i = 0; i < 120; i++) hcp.projects.set(`prj-other-${i}`, `other ${i}`);
    hcp.projects.delete('prj-security');
    hcp.projects.set('prj-security', plan.project);
    const { code, stderr } = await run();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(new Set(hcp.workspaces.map((w) => w.project))).toEqual(new Set(['prj-security']));
  });

  test('run triggers already there on a later page are not created again', async () => {
    expect((await run()).code).toBe(0);
    // Pad every workspace's inbound list past a page of 20 with triggers from elsewhere.
    for (const ws of hcp.workspaces) ws.triggers.unshift(...Array.from({ length: 25 }, (_, i) => `ws-elsewhere-${i}`));
    const writes = hcp.calls.filter((c) => !c.startsWith('GET')).length;
    const second = await run();
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(hcp.calls.filter((c) => !c.startsWith('GET')).length).toBe(writes);
  });

  test('a refused write names the workspace and the variable, the status, the answer and what to do', async () => {
    const w = plan.workspaces.find((x) => 'TFC_AWS_APPLY_ROLE_ARN' in x.environment)!;
    hcp.intercept = (req, res, body) => {
      if (req.method !== 'POST' || body?.data?.attributes?.key !== 'TFC_AWS_APPLY_ROLE_ARN') return false;
      res.writeHead(422, { 'Content-Type': 'application/vnd.api+json' });
      res.end(JSON.stringify({ errors: [{ status: '422', title: 'invalid attribute', detail: 'Value is invalid' }] }));
      return true;
    };
    const { code, stderr } = await run();
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^error: workspace ${w.workspace}, variable TFC_AWS_APPLY_ROLE_ARN: POST \\S+/vars failed \\(HTTP 422\\): .*Value is invalid.*\n  HCP Terraform refused it; the answer says why$`, 'm'));
  });

  test('a run trigger the token may not create (HTTP 403) says which permission it needs', async () => {
    hcp.intercept = (req, res) => {
      if (req.method !== 'POST' || !req.url!.endsWith('/run-triggers')) return false;
      res.writeHead(403, { 'Content-Type': 'application/vnd.api+json' });
      res.end(JSON.stringify({ errors: [{ status: '403', title: 'forbidden' }] }));
      return true;
    };
    const { code, stderr } = await run();
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: workspace \S+, run trigger from \S+: POST \S+\/run-triggers failed \(HTTP 403\): .*forbidden.*\n  the token may not do this: .*admin access to the workspace/m);
  });

  test('an answer that echoes the request (a proxy, a debugging server) does not print the token', async () => {
    hcp.intercept = (req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(`bad request; you sent ${JSON.stringify(req.headers)}`);
      return true;
    };
    const { code, stdout, stderr } = await run();
    expect(code).toBe(1);
    expect(stderr).toMatch(/failed \(HTTP 400\): bad request; you sent .*"authorization":"Bearer <TFE_TOKEN>"/);
    expect(stdout + stderr).not.toContain(TOKEN);
  });

  test('WORKFLOW=vcs corrects the working directory and trigger prefix of an existing workspace, saying what they were', async () => {
    const [w, other] = plan.workspaces;
    hcp.addWorkspace(w.workspace, 'prj-security').attributes = { 'execution-mode': 'remote', 'working-directory': 'cdktf.out/stacks/old', 'trigger-prefixes': ['cdktf.out/stacks/old'] };
    hcp.addWorkspace(other.workspace, 'prj-security').attributes = { 'execution-mode': 'remote', 'working-directory': other.workingDirectory, 'trigger-prefixes': [other.workingDirectory] };
    const first = await run({ WORKFLOW: 'vcs' });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    for (const x of [w, other]) {
      expect(hcp.workspaces.find((ws) => ws.name === x.workspace)!.attributes).toEqual(expect.objectContaining({ 'working-directory': x.workingDirectory, 'trigger-prefixes': [x.workingDirectory] }));
    }
    expect(first.stdout).toMatch(new RegExp(`^  ${w.workspace}: working-directory ${w.workingDirectory} \\(was cdktf.out/stacks/old\\), trigger-prefixes \\["${w.workingDirectory}"\\] \\(was \\["cdktf.out/stacks/old"\\]\\)$`, 'm'));
    expect(first.stdout).not.toMatch(new RegExp(`^  ${other.workspace}: working-directory`, 'm'));
    expect((await run({ WORKFLOW: 'vcs' })).stdout).toMatch(/^done: no change: /m);
  });

  test('a workspace in local execution mode (its runs would not use the roles) is set to remote; agent is left alone', async () => {
    const [w, other] = plan.workspaces;
    hcp.addWorkspace(w.workspace, 'prj-security').attributes = { 'execution-mode': 'local' };
    hcp.addWorkspace(other.workspace, 'prj-security').attributes = { 'execution-mode': 'agent' };
    const { code, stdout, stderr } = await run();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(hcp.workspaces.find((x) => x.name === w.workspace)!.attributes['execution-mode']).toBe('remote');
    expect(hcp.workspaces.find((x) => x.name === other.workspace)!.attributes['execution-mode']).toBe('agent');
    expect(stdout).toMatch(new RegExp(`^  ${w.workspace}: execution-mode remote \\(was local\\)$`, 'm'));
    expect((await run()).stdout).toMatch(/^done: no change: /m);
  });

  test('DRY_RUN=1 writes nothing and says what a run would change, counted as the run then does', async () => {
    const w = plan.workspaces.find((x) => 'TFC_AWS_PLAN_ROLE_ARN' in x.environment)!;
    const existing = hcp.addWorkspace(w.workspace, 'prj-security', [{ key: 'TFC_AWS_PLAN_ROLE_ARN', value: 'stale', category: 'env', sensitive: false }]);
    existing.attributes = { 'execution-mode': 'local' };
    const dry = await run({ DRY_RUN: '1' });
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    expect(hcp.calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
    expect(hcp.workspaces).toEqual([existing]);
    expect(envOf(existing)).toEqual({ TFC_AWS_PLAN_ROLE_ARN: 'stale' });
    expect(existing.attributes['execution-mode']).toBe('local');
    const other = plan.workspaces.find((x) => x !== w)!;
    expect(dry.stdout).toMatch(new RegExp(`^would create ${other.workspace}$`, 'm'));
    expect(dry.stdout).toMatch(new RegExp(`^  ${w.workspace}: TFC_AWS_PLAN_ROLE_ARN updated \\(was stale\\)$`, 'm'));
    expect(dry.stdout).toMatch(new RegExp(`^  ${w.workspace}: execution-mode remote \\(was local\\)$`, 'm'));
    const count = /^done: DRY_RUN=1, nothing written; (\d+) changes in (\d+) workspaces to make$/m.exec(dry.stdout);
    expect(count).not.toBeNull();
    const real = await run();
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(new RegExp(`^done: ${count![1]} changes in ${count![2]} workspaces$`, 'm'));
    expect((await run({ DRY_RUN: '1' })).stdout).toMatch(/^done: DRY_RUN=1, nothing written; no change: /m);
  });

  test('a variable set that sets TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE, or a priority one that sets a variable of the plan, is warned about by name; a workspace variable of that audience too', async () => {
    expect((await run()).code).toBe(0);
    const [a, b, c] = plan.workspaces.map((w) => hcp.workspaces.find((x) => x.name === w.workspace)!);
    const env = (key: string, value: string) => ({ id: hcp.newId('var'), key, value, category: 'env', sensitive: false });
    hcp.varsets.push(
      { id: 'varset-1', name: 'org defaults', priority: false, global: true, workspaces: [], vars: [env('TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE', 'sts.amazonaws.com')] },
      { id: 'varset-2', name: 'legacy creds', priority: true, global: false, workspaces: [a.id], vars: [env('TFC_AWS_PLAN_ROLE_ARN', 'arn:aws:iam::1:role/x')] },
      // Not a priority set: the workspace's own variable wins, nothing to say.
      { id: 'varset-3', name: 'team', priority: false, global: false, workspaces: [b.id], vars: [env('TFC_AWS_PLAN_ROLE_ARN', 'arn:aws:iam::1:role/x')] },
    );
    c.vars.push(env('TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE', 'sts.amazonaws.com'));
    const { code, stdout, stderr } = await run();
    expect(code).toBe(0);
    const warnings = stderr.trim().split('\n');
    expect(warnings.filter((l) => /^warning: \S+: variable set "org defaults" sets TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE: the roles trust only the audience aws\.workload\.identity, so they refuse its runs; /.test(l)).length).toBe(plan.workspaces.length);
    expect(warnings).toContain(`warning: ${a.name}: priority variable set "legacy creds" sets TFC_AWS_PLAN_ROLE_ARN, which overrides the workspace's TFC_AWS_PLAN_ROLE_ARN; delete the variable from the set or take the workspace out of it`);
    expect(warnings).toContain(`warning: ${c.name} sets TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE: the roles trust only the audience aws.workload.identity, so they refuse its runs; delete the variable`);
    expect(warnings.some((l) => l.includes('"team"'))).toBe(false);
    expect(warnings.length).toBe(plan.workspaces.length + 2);
    expect(stdout).toMatch(new RegExp(`; ${plan.workspaces.length + 2} warnings above \\(stderr\\)$`, 'm'));
    // Each set's variables are read once, however many workspaces it reaches.
    expect(hcp.calls.filter((x) => x === 'GET /api/v2/varsets/varset-1/relationships/vars').length).toBe(1);
  });

  test('a run trigger between two workspaces of the plan that the plan does not have (a dependency removed) is deleted; one from outside the plan is left alone', async () => {
    expect((await run()).code).toBe(0);
    const target = plan.workspaces.find((w) => w.runTriggers.length > 0)!;
    const stray = plan.workspaces.find((w) => w !== target && !target.runTriggers.includes(w.workspace))!;
    const ws = hcp.workspaces.find((x) => x.name === target.workspace)!;
    const idOf = (name: string) => hcp.workspaces.find((x) => x.name === name)!.id;
    ws.triggers.push(idOf(stray.workspace), 'ws-outside');
    const { code, stdout, stderr } = await run();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(`  ${target.workspace}: no longer triggered by ${stray.workspace} (not a dependency of its stack)\ndone: 1 change in ${plan.workspaces.length} workspaces\n`);
    expect(ws.triggers.sort()).toEqual([...target.runTriggers.map(idOf), 'ws-outside'].sort());
    expect((await run()).stdout).toMatch(/^done: no change: /m);
  });
});
