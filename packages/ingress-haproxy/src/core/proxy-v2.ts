/**
 * The PROXY protocol, version 2 (haproxy's doc/proxy-protocol.txt, section 2.2): the binary header
 * haproxy writes first on a connection (`send-proxy-v2`) to say whose connection it relays. Only
 * what Tide needs is read: the source address and port of a TCP over IPv4/IPv6 connection. A
 * LOCAL header (haproxy speaking for itself) or another family carries no caller: `source` is
 * undefined and the connection keeps its own peer.
 */
export type ProxyHeader =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'parsed'; length: number; source: { address: string; port: number; family: 'IPv4' | 'IPv6' } | undefined };

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const FIXED = 16;
/** The largest header Tide accepts (addresses plus TLVs haproxy may add); a longer one is refused. */
export const MAX_PROXY_HEADER_BYTES = 536;

/** Reads a PROXY v2 header at the start of `data` (which may hold only its first bytes so far). */
export function parseProxyV2(data: Uint8Array): ProxyHeader {
  const seen = Math.min(data.length, SIGNATURE.length);
  for (let i = 0; i < seen; i++) if (data[i] !== SIGNATURE[i]) return { kind: 'invalid', reason: 'no PROXY protocol v2 signature' };
  if (data.length < FIXED) return { kind: 'incomplete' };
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return { kind: 'invalid', reason: `PROXY protocol version ${versionCommand >> 4}, not 2` };
  const command = versionCommand & 0x0f;
  if (command > 1) return { kind: 'invalid', reason: `unknown PROXY command ${command}` };
  const length = FIXED + ((data[14]! << 8) | data[15]!);
  if (length > MAX_PROXY_HEADER_BYTES) return { kind: 'invalid', reason: `a PROXY header of ${length} bytes (at most ${MAX_PROXY_HEADER_BYTES})` };
  if (data.length < length) return { kind: 'incomplete' };
  const familyTransport = data[13]!;
  // LOCAL (0): the proxy's own connection, whose addresses are to be ignored.
  if (command === 0) return { kind: 'parsed', length, source: undefined };
  const body = data.subarray(FIXED, length);
  // 0x11: TCP over IPv4 (src, dst, src port, dst port); 0x21: TCP over IPv6.
  if (familyTransport === 0x11) {
    if (body.length < 12) return { kind: 'invalid', reason: 'a PROXY IPv4 header too short for its addresses' };
    return { kind: 'parsed', length, source: { address: [...body.subarray(0, 4)].join('.'), port: (body[8]! << 8) | body[9]!, family: 'IPv4' } };
  }
  if (familyTransport === 0x21) {
    if (body.length < 36) return { kind: 'invalid', reason: 'a PROXY IPv6 header too short for its addresses' };
    return { kind: 'parsed', length, source: { address: ipv6Text(body.subarray(0, 16)), port: (body[32]! << 8) | body[33]!, family: 'IPv6' } };
  }
  return { kind: 'parsed', length, source: undefined };
}

/** An IPv6 address as Node writes a peer's (`::1`, `::ffff:127.0.0.1`, zeros compressed once, lower case). */
function ipv6Text(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${[...bytes.subarray(12, 16)].join('.')}`;
  // The longest run of two or more zero groups becomes `::` (RFC 5952).
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** A PROXY v2 header (PROXY, TCP) for `source` → `destination`: what haproxy sends; for tests. */
export function proxyV2Header(source: { address: string; port: number }, destination: { address: string; port: number }): Buffer {
  const v4 = (address: string) => address.split('.').map(Number);
  const body = Buffer.from([
    ...v4(source.address),
    ...v4(destination.address),
    source.port >> 8,
    source.port & 0xff,
    destination.port >> 8,
    destination.port & 0xff,
  ]);
  return Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x11, 0, body.length]), body]);
}
