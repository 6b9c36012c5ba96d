/**
 * A loopback proxy in front of an AWS emulator (moto) that throttles the way AWS does: S3 answers
 * 503 SlowDown, EC2 503 RequestLimitExceeded, IAM (and the other query-protocol services) 400
 * Throttling. Point SDK clients at it with `AWS_ENDPOINT_URL`; every other request reaches the
 * emulator unchanged.
 *
 * Each request is named by its service (from the SigV4 credential scope), its operation (the
 * query protocol's `Action`, or S3's method and subresource) and the resources it names, so a
 * drill can throttle one operation partway through and count which calls the emulator carried out.
 * A throttled request never reaches the emulator, as a throttled AWS call changes nothing.
 */
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface AwsCall {
  /** The SigV4 service name: `s3`, `iam`, `ec2`, `sts`, `sns`, ... */
  readonly service: string;
  /** `PutBucketPolicy`, `AttachUserPolicy`, `CreateTags`, ... */
  readonly operation: string;
  /** The bucket, user name or resource ids the call names. */
  readonly resources: readonly string[];
}

export interface ThrottleRule {
  readonly service: string;
  readonly operation: string;
  /** Only requests that name this resource (a bucket, a user name, an instance id). @default - any */
  readonly resource?: string;
  /** Let this many matching requests through before throttling. @default 0 */
  readonly after?: number;
  /** Throttle this many matching requests, then let them through again. @default - every one while the rule stands */
  readonly times?: number;
}

interface StandingRule extends ThrottleRule {
  seen: number;
  throttled: number;
}

const S3_SUBRESOURCES = ['publicAccessBlock', 'policy', 'acl', 'tagging'] as const;
const S3_OPERATIONS: Readonly<Record<string, string>> = {
  'GET publicAccessBlock': 'GetPublicAccessBlock',
  'PUT publicAccessBlock': 'PutPublicAccessBlock',
  'DELETE publicAccessBlock': 'DeletePublicAccessBlock',
  'GET policy': 'GetBucketPolicy',
  'PUT policy': 'PutBucketPolicy',
  'DELETE policy': 'DeleteBucketPolicy',
  'GET acl': 'GetBucketAcl',
  'PUT acl': 'PutBucketAcl',
  'GET tagging': 'GetBucketTagging',
  'PUT tagging': 'PutBucketTagging',
};

/** The service and operation of a signed request (pure: the request's parts in, the call out). */
export function awsCallOf(method: string, url: string, authorization: string, body: string): AwsCall {
  const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1] ?? 'unknown';
  const parsed = new URL(url, 'http://proxy');
  if (service === 's3') {
    const [, bucket = '', ...key] = parsed.pathname.split('/');
    const sub = S3_SUBRESOURCES.find((s) => parsed.searchParams.has(s));
    const operation = sub ? (S3_OPERATIONS[`${method} ${sub}`] ?? `${method} ?${sub}`) : `${method} ${key.length > 0 && key.join('/') ? 'object' : 'bucket'}`;
    return { service, operation, resources: bucket ? [decodeURIComponent(bucket)] : [] };
  }
  const form = new URLSearchParams(body);
  // EC2 names instances by InstanceId.N, ResourceId.N (CreateTags) or an instance-id filter's Filter.N.Value.M.
  const byInstanceId = new Set([...form.entries()].filter(([name, value]) => /^Filter\.\d+\.Name$/.test(name) && value === 'instance-id').map(([name]) => name.replace(/Name$/, 'Value.')));
  const named = [...form.entries()]
    .filter(([name]) => name === 'UserName' || /^ResourceId\.\d+$/.test(name) || /^InstanceId\.\d+$/.test(name) || [...byInstanceId].some((prefix) => name.startsWith(prefix)))
    .map(([, value]) => value);
  return { service, operation: form.get('Action') ?? parsed.searchParams.get('Action') ?? 'unknown', resources: named };
}

/** The throttling answer of a service, as its protocol's error shape (so the SDK names the code). */
function throttleAnswer(service: string): { status: number; contentType: string; body: string } {
  if (service === 's3') return { status: 503, contentType: 'application/xml', body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>proxy</RequestId></Error>' };
  if (service === 'ec2') return { status: 503, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy</RequestID></Response>' };
  return { status: 400, contentType: 'text/xml', body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>' };
}

export class ThrottlingProxy {
  /** Calls the emulator answered with a 2xx, in order. */
  readonly done: AwsCall[] = [];
  /** Calls answered with a throttling error, in order. */
  readonly throttled: AwsCall[] = [];
  private rules: StandingRule[] = [];

  private constructor(private readonly server: Server, private readonly upstream: URL) {}

  static async start(upstreamEndpoint: string): Promise<ThrottlingProxy> {
    let proxy: ThrottlingProxy | undefined;
    const server = createServer((req, res) => void proxy!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new ThrottlingProxy(server, new URL(upstreamEndpoint));
    return proxy;
  }

  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  throttle(rule: ThrottleRule): void {
    this.rules.push({ ...rule, seen: 0, throttled: 0 });
  }

  /** AWS recovers: no request is throttled any more. */
  clearThrottles(): void {
    this.rules = [];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private shouldThrottle(call: AwsCall): boolean {
    let throttle = false;
    for (const rule of this.rules) {
      if (rule.service !== call.service || rule.operation !== call.operation) continue;
      if (rule.resource !== undefined && !call.resources.includes(rule.resource)) continue;
      rule.seen++;
      if (rule.seen > (rule.after ?? 0) && rule.throttled < (rule.times ?? Infinity)) {
        rule.throttled++;
        throttle = true;
      }
    }
    return throttle;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const call = awsCallOf(req.method ?? 'GET', req.url ?? '/', String(req.headers.authorization ?? ''), body.toString('utf8'));
    if (this.shouldThrottle(call)) {
      this.throttled.push(call);
      const answer = throttleAnswer(call.service);
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'x-amzn-requestid': 'proxy' }).end(answer.body);
      return;
    }
    const forwarded = request(new URL(req.url ?? '/', this.upstream), { method: req.method, headers: { ...req.headers, host: this.upstream.host } }, (answer) => {
      if ((answer.statusCode ?? 500) < 300) this.done.push(call);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: the emulator did not answer (${err.message})`);
    });
    forwarded.end(body);
  }
}
