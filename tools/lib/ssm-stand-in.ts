/**
 * A local stand-in for SSM Parameter Store's GetParameter (the AWS JSON 1.1 protocol,
 * `X-Amz-Target: AmazonSSM.GetParameter`) on 127.0.0.1 and a free port, that can fail as SSM and
 * KMS do: throttling, a missing parameter, KMS refusing to decrypt. Point an SDK client at it with
 * `AWS_ENDPOINT_URL_SSM`.
 *
 * Answers are scripted: `script(...)` queues one answer per coming GetParameter call; with the
 * queue empty, `failing` answers when set, else the parameter's current value (or ParameterNotFound
 * when it has none).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export type SsmAnswer =
  | { readonly throttle: true }
  | { readonly notFound: true }
  | { readonly kmsDenied: true }
  /** Answer with this value instead of the current one (a token about to be rotated). */
  | { readonly value: string };

export class SsmStandIn {
  /** GetParameter calls answered, all outcomes. */
  calls = 0;
  /** Answers every call this way while set (an outage, a denied key), after the scripted answers. */
  failing?: SsmAnswer;
  private readonly values = new Map<string, string>();
  private readonly queue: SsmAnswer[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<SsmStandIn> {
    let standIn: SsmStandIn | undefined;
    const server = createServer((req, res) => void standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new SsmStandIn(server);
    return standIn;
  }

  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_SSM. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  set(name: string, value: string | undefined): void {
    if (value === undefined) this.values.delete(name);
    else this.values.set(name, value);
  }

  script(...answers: SsmAnswer[]): void {
    this.queue.push(...answers);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== 'AmazonSSM.GetParameter') return this.error(res, 400, 'UnknownOperationException', `this stand-in answers GetParameter only, not ${target}`);
    this.calls++;
    let name = '';
    try {
      name = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Name?: unknown }).Name ?? '');
    } catch {
      return this.error(res, 400, 'SerializationException', 'the request body is not JSON');
    }
    const answer = this.queue.shift() ?? this.failing;
    if (answer && 'throttle' in answer) return this.error(res, 400, 'ThrottlingException', 'Rate exceeded');
    if (answer && 'kmsDenied' in answer) {
      return this.error(res, 400, 'AccessDeniedException', `User: arn:aws:sts::999999999999:assumed-role/forwarder/drill is not authorized to perform: kms:Decrypt on the key of parameter ${name}`);
    }
    const value = answer && 'value' in answer ? answer.value : answer && 'notFound' in answer ? undefined : this.values.get(name);
    if (value === undefined) return this.error(res, 400, 'ParameterNotFound', `Parameter ${name} not found.`);
    const parameter = { Name: name, Type: 'SecureString', Value: value, Version: 1, ARN: `arn:aws:ssm:us-east-1:999999999999:parameter${name.startsWith('/') ? '' : '/'}${name}`, DataType: 'text' };
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Parameter: parameter }));
  }

  private error(res: ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type }).end(JSON.stringify({ __type: type, message }));
  }
}
