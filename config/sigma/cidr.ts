import { isIPv4, isIPv6 } from 'node:net';

/**
 * Why `text` is not a network that Sigma's `|cidr` takes, or undefined when it is. An IPv4 or IPv6 address,
 * optionally `/` and a prefix length, without host bits set (the modifiers appendix: "handled as a CIDR network
 * range specification ... both IPv4 and IPv6 notations"; pySigma, the reference implementation, refuses host bits
 * too). A bare address is the network of that one address.
 */
export function cidrProblem(text: string): string | undefined {
  const [address = '', prefix, ...more] = text.split('/');
  if (more.length > 0) return 'it has more than one "/"';
  // node:net takes a zone (fe80::1%eth0), which is no part of a network.
  const bits = isIPv4(address) ? 32 : isIPv6(address) && !address.includes('%') ? 128 : undefined;
  if (bits === undefined) return `${JSON.stringify(address)} is not an IPv4 or IPv6 address`;
  if (prefix === undefined) return undefined;
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > bits) return `the prefix length ${JSON.stringify(prefix)} is not a whole number from 0 to ${bits}`;
  const value = bits === 32 ? ipv4Value(address) : ipv6Value(address);
  const hostBits = BigInt(bits - Number(prefix));
  const network = (value >> hostBits) << hostBits;
  if (network === value) return undefined;
  return `it has host bits set; write the network, ${bits === 32 ? ipv4Text(network) : ipv6Text(network)}/${prefix}`;
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
  // An IPv4 tail (::ffff:192.0.2.1) is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const hex = tail ? address.slice(0, tail.index) + [16n, 0n].map((shift) => ((ipv4Value(tail[1]!) >> shift) & 0xffffn).toString(16)).join(':') : address;
  const [head = '', rest] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

/** The address in RFC 5952's short form: groups without leading zeros, the longest run of zero groups as `::`. */
function ipv6Text(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => (value >> shift) & 0xffffn);
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const text = (list: bigint[]) => list.map((g) => g.toString(16)).join(':');
  if (best.start < 0) return text(groups);
  return `${text(groups.slice(0, best.start))}::${text(groups.slice(best.start + best.length))}`;
}
