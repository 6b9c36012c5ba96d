/**
 * IP address literals and CIDR blocks as EventBridge (aws/event-ruler) reads them: only strings shaped like an
 * IPv4 dotted quad or an IPv6 hex-and-colon literal are addresses; an IPv4-mapped IPv6 address is its IPv4 address
 * (as Java's InetAddress returns it).
 */

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DECIMAL = /^[+-]?[0-9]+$/;

/** True when `text` has the shape of an IP literal (event-ruler only parses such strings as addresses). */
export function looksLikeIpAddress(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

/** The address bytes (4 or 16), or undefined when `text` is not a valid IP literal. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const octet = Number(parts[i]);
    if (octet > 255) return undefined;
    bytes[i] = octet;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups = head.length + tail.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const words = [...head, ...new Array<string>(8 - groups).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const word = words[i]!;
    if (!HEX_GROUP.test(word)) return undefined;
    const value = parseInt(word, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  }
  const ipv4Mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return ipv4Mapped ? bytes.slice(12) : bytes;
}

/** Lexicographic comparison of two equally long byte strings. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}

/** An inclusive range of addresses of one family. */
export interface IpRange {
  readonly lowest: Uint8Array;
  readonly highest: Uint8Array;
}

/** True when `address` (a string from an event) is an IP literal inside `range`. */
export function ipInRange(range: IpRange, address: string): boolean {
  const bytes = parseIpAddress(address);
  if (bytes === undefined || bytes.length !== range.lowest.length) return false;
  return compareBytes(bytes, range.lowest) >= 0 && compareBytes(bytes, range.highest) <= 0;
}

/** The one-address range of an IP literal, or undefined when `text` is not one. */
export function singleAddressRange(text: string): IpRange | undefined {
  const bytes = parseIpAddress(text);
  return bytes === undefined ? undefined : { lowest: bytes, highest: bytes };
}

/**
 * Parses a CIDR block (`10.0.0.0/24`, `2001:db8::/64`). Returns the range, or the reason EventBridge gives for
 * rejecting it (its wording, including that IPv4 masks stop at /31: a single address is written as a plain string).
 */
export function parseCidr(text: string): IpRange | string {
  // Java's String.split drops trailing empty parts: "10.0.0.0/" is one part, so it is "one '/' required" too.
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [address, mask] = parts as [string, string];
  if (!DECIMAL.test(mask) || !Number.isSafeInteger(Number(mask)) || Math.abs(Number(mask)) > 2 ** 31 - 1) {
    return 'Malformed CIDR, mask bits must be an integer';
  }
  const maskBits = Number(mask);
  if (maskBits < 0) return 'Malformed CIDR, mask bits must not be negative';
  if (!looksLikeIpAddress(address)) return `Nonstandard IP address: ${address}`;
  const bytes = parseIpAddress(address);
  if (bytes === undefined) return `Invalid IP address: ${address}`;
  if (bytes.length === 4 && maskBits > 31) return 'IPv4 mask bits must be < 32';
  if (bytes.length === 16 && maskBits > 127) return 'IPv6 mask bits must be < 128';
  const lowest = new Uint8Array(bytes.length);
  const highest = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const networkBits = Math.min(8, Math.max(0, maskBits - 8 * i));
    const hostMask = 0xff >> networkBits;
    lowest[i] = bytes[i]! & ~hostMask & 0xff;
    highest[i] = bytes[i]! | hostMask;
  }
  return { lowest, highest };
}
