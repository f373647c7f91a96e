import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, isProxyPeer } from './client-address.js';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
/** Addresses in the loopback, link-local and private ranges. */
const proxyPeer = fc.oneof(
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `127.${b}.${c}.${d}`),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
  fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`),
  fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
  fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `::ffff:10.${b}.${c}.${d}`),
  fc.constantFrom('::1', 'fe80::1', 'fd12:3456:789a::1', 'fc00::abcd'),
);
/** IPv4 addresses outside those ranges: what a client on the Internet connects from. */
const publicPeer = ipv4.filter((address) => !/^(127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address));
const forwardedList = fc.array(fc.oneof(ipv4, fc.constantFrom('2001:db8::7', 'unknown', '', ' ')), { maxLength: 5 }).map((entries) => entries.join(', '));

describe('isProxyPeer', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['172.32.0.1', false],
    ['172.15.255.255', false],
    ['8.8.8.8', false],
    ['::ffff:8.8.8.8', false],
    ['2001:db8::1', false],
    ['fe00::1', false],
    ['', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isProxyPeer(address)).toBe(expected);
  });
});

describe('clientAddressOf', () => {
  it('a connection from a public address is its own client, whatever X-Forwarded-For it sends', () => {
    fc.assert(
      fc.property(publicPeer, fc.option(fc.oneof(forwardedList, fc.string()), { nil: undefined }), (peer, header) => {
        expect(clientAddressOf(peer, header)).toBe(peer);
      }),
      { numRuns: 500 },
    );
  });

  it('a connection from a proxy\'s address names its client in the last X-Forwarded-For entry, whatever came before it', () => {
    fc.assert(
      fc.property(proxyPeer, forwardedList, fc.oneof(ipv4, fc.constant('2001:db8::42')), (peer, earlier, client) => {
        const header = earlier === '' ? client : `${earlier}, ${client}`;
        expect(clientAddressOf(peer, header)).toBe(client);
      }),
      { numRuns: 500 },
    );
  });

  it('a connection from a proxy\'s address without a usable last entry is counted as itself', () => {
    fc.assert(
      fc.property(proxyPeer, fc.option(fc.constantFrom('', ' ', 'unknown', '1.2.3.4, garbage', '1.2.3.4,', 'a:b:c:d:e:f:g:h:i'), { nil: undefined }), (peer, header) => {
        const expected = header === '1.2.3.4,' ? '1.2.3.4' : peer;
        expect(clientAddressOf(peer, header)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('an entry that carries the client\'s port names the client without it', () => {
    fc.assert(
      fc.property(proxyPeer, ipv4, fc.integer({ min: 0, max: 65535 }), (peer, client, port) => {
        expect(clientAddressOf(peer, `198.51.100.1, ${client}:${port}`)).toBe(client);
      }),
      { numRuns: 200 },
    );
    expect(clientAddressOf('10.0.0.5', '[2001:db8::7]:443')).toBe('2001:db8::7');
    expect(clientAddressOf('10.0.0.5', '[2001:db8::7]')).toBe('2001:db8::7');
  });

  it.each([
    ['999.1.1.1:80', 'an IPv4 address out of range'],
    ['1.2.3.4:', 'a colon without a port'],
    ['1.2.3.4:123456', 'a port of six digits'],
    ['[1.2.3.4]:80', 'an IPv4 address in brackets'],
    ['[2001:db8::7', 'an unclosed bracket'],
    ['[unknown]:80', 'a name in brackets'],
    ['host.example:80', 'a host name'],
  ])('a proxy\'s last entry %s (%s) is not an address: the connection is counted as itself', (entry) => {
    expect(clientAddressOf('10.0.0.5', entry)).toBe('10.0.0.5');
  });

  it('ends at once on any header, however long or odd, and names the peer or an address the header holds', () => {
    fc.assert(
      fc.property(proxyPeer, fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: fc.constantFrom('[', ']', ':', '.', '1', 'a', ',', ' ') })), (peer, header) => {
        const client = clientAddressOf(peer, header);
        expect(client === peer || (isIP(client) !== 0 && header.includes(client))).toBe(true);
      }),
      { numRuns: 500 },
    );
    const long = `${'1'.repeat(100_000)}:${'9'.repeat(100_000)}`;
    expect(clientAddressOf('10.0.0.5', long)).toBe('10.0.0.5');
  });

  it('no peer address at all (a closed socket) is counted as the empty address, never a header\'s', () => {
    expect(clientAddressOf(undefined, '203.0.113.1')).toBe('');
  });
});
