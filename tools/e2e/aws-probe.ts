import { AwsCredentialIdentity } from './accounts';

/**
 * Minimal AWS JSON 1.1 and Query calls for the services whose SDK clients the project does not
 * install (IAM, KMS, CloudWatch, Logs, EventBridge, CloudTrail), used only to list what is left in
 * an emulator. The emulator reads the account from the access key and the service from the
 * credential scope; it does not check signatures, so the signature is a placeholder: these calls
 * only ever go to a local emulator (LocalStack and moto both accept them).
 */

function authorization(credentials: AwsCredentialIdentity, region: string, service: string): Record<string, string> {
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const headers: Record<string, string> = {
    Authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${date.slice(0, 8)}/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    'X-Amz-Date': date,
  };
  if (credentials.sessionToken) headers['X-Amz-Security-Token'] = credentials.sessionToken;
  return headers;
}

export interface ProbeTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
}

/** A JSON 1.1 call (`X-Amz-Target: <prefix>.<action>`). */
export async function jsonCall(target: ProbeTarget, service: string, targetPrefix: string, action: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(target.endpoint, {
    method: 'POST',
    headers: {
      ...authorization(target.credentials, target.region, service),
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `${targetPrefix}.${action}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${action} answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

/** A Query call (form-encoded, XML answer); returns the raw XML. */
export async function queryCall(target: ProbeTarget, service: string, version: string, action: string, params: Record<string, string> = {}): Promise<string> {
  const res = await fetch(target.endpoint, {
    method: 'POST',
    headers: { ...authorization(target.credentials, target.region, service), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: action, Version: version, ...params }).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${action} answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** Every text of an XML element by name (enough for names and ARNs in list answers). */
export function xmlValues(xml: string, element: string): string[] {
  return [...xml.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, 'g'))].map((m) => m[1]);
}
