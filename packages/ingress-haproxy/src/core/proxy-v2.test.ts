import { describe, expect, it } from 'vitest';
import { parseProxyV2, proxyV2Header } from './proxy-v2.js';

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

describe('the PROXY protocol v2 header', () => {
  it('names an IPv4 caller and says where the request starts', () => {
    const header = proxyV2Header({ address: '127.0.0.2', port: 40_123 }, { address: '127.0.0.1', port: 8080 });
    const parsed = parseProxyV2(Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\n')]));
    expect(parsed).toEqual({ kind: 'parsed', length: 28, source: { address: '127.0.0.2', port: 40_123, family: 'IPv4' } });
  });

  it('names an IPv6 caller as Node writes a peer’s address', () => {
    const address = (bytes: number[]) => Buffer.from([...SIGNATURE, 0x21, 0x21, 0, 36, ...bytes, ...Array(16).fill(0), 0x1f, 0x90, 0, 80]);
    expect(parseProxyV2(address([...Array(15).fill(0), 1]))).toMatchObject({ source: { address: '::1', port: 8080, family: 'IPv6' } });
    expect(parseProxyV2(address([0x20, 0x01, 0x0d, 0xb8, ...Array(10).fill(0), 0, 5]))).toMatchObject({ source: { address: '2001:db8::5' } });
    expect(parseProxyV2(address([...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 7]))).toMatchObject({ source: { address: '::ffff:10.0.0.7' } });
  });

  it('waits for the rest of a header cut short, and refuses what is not one', () => {
    const header = proxyV2Header({ address: '10.1.2.3', port: 1 }, { address: '10.0.0.1', port: 2 });
    expect(parseProxyV2(header.subarray(0, 5))).toEqual({ kind: 'incomplete' });
    expect(parseProxyV2(header.subarray(0, 20))).toEqual({ kind: 'incomplete' });
    expect(parseProxyV2(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyV2(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyV2(Buffer.from([...SIGNATURE, 0x21, 0x11, 0x10, 0]))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('4112 bytes') });
  });

  it('reads a LOCAL header (haproxy speaking for itself) as naming no caller', () => {
    expect(parseProxyV2(Buffer.from([...SIGNATURE, 0x20, 0x00, 0, 0]))).toEqual({ kind: 'parsed', length: 16, source: undefined });
  });
});
