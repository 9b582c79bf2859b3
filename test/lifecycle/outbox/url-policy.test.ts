/** Which webhook URLs may be called: https to public hosts; nothing inside the network unless a setting says so. */
import { describe, expect, it } from 'vitest';
import { refusedUrl, STRICT_URL_POLICY } from '../../../src/lifecycle/outbox';

const emulator = { allowPrivate: false, allowLoopbackHttp: true };
const vpc = { allowPrivate: true, allowLoopbackHttp: false };

describe('webhook URL policy', () => {
  it.each([
    'https://hooks.example.com/orchestrator',
    'https://example.com:8443/a?b=c',
    'https://8.8.8.8/hook',
    'https://hooks.example.com./fully-qualified',
    'https://[2606:4700::1111]/',
    'https://[64:ff9b::808:808]/',
    'https://[2002:808:808::1]/',
    'https://100.128.0.1/',
    'https://198.20.0.1/',
  ])('allows %s', (url) => {
    expect(refusedUrl(url, STRICT_URL_POLICY)).toBeNull();
  });

  it.each([
    ['http://hooks.example.com/', 'https'],
    ['ftp://example.com/', 'https'],
    ['https://user:pw@example.com/', 'credentials'],
    ['https://localhost/', 'loopback'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://10.1.2.3/', 'private'],
    ['https://172.20.0.1/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://169.254.10.10/', 'private'],
    ['https://[fd00::1]/', 'private'],
    ['https://[::ffff:10.0.0.1]/', 'private'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://100.100.100.200/latest', 'metadata'],
    ['https://metadata.google.internal/', 'metadata'],
    ['https://db.internal/', 'private'],
    ['not a url', 'valid'],
    // A trailing dot names the same host.
    ['https://localhost./', 'loopback'],
    ['https://metadata.google.internal./computeMetadata', 'metadata'],
    ['https://db.internal./', 'private'],
    // IPv6 forms that carry an IPv4 address are judged by that address.
    ['https://[::7f00:1]/', 'loopback'],
    ['https://[::ffff:0:7f00:1]/', 'loopback'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'metadata'],
    ['https://[64:ff9b::a00:1]/', 'private'],
    ['https://[2002:7f00:1::]/', 'loopback'],
    ['https://[2002:a9fe:a9fe::1]/', 'metadata'],
    ['https://[fec0::1]/', 'private'],
    ['https://[fe80::1]/', 'private'],
    ['https://[ff02::1]/', 'multicast'],
    ['https://[::]/', 'unspecified'],
    ['https://198.18.0.1/', 'private'],
    ['https://198.19.255.255/', 'private'],
    ['https://100.64.0.1/', 'private'],
    ['https://100.127.255.255/', 'private'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://239.255.255.250/', 'multicast'],
    ['https://240.0.0.1/', 'reserved'],
    ['https://255.255.255.255/', 'reserved'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://0.1.2.3/', 'reserved'],
  ])('refuses %s, saying why', (url, word) => {
    expect(refusedUrl(url, STRICT_URL_POLICY)).toContain(word);
  });

  it('lets the emulator call plain http on loopback, and nothing else over plain http', () => {
    expect(refusedUrl('http://127.0.0.1:9000/hook', emulator)).toBeNull();
    expect(refusedUrl('http://localhost:9000/hook', emulator)).toBeNull();
    expect(refusedUrl('http://example.com/hook', emulator)).toContain('https');
    expect(refusedUrl('http://10.0.0.1/hook', emulator)).toContain('https');
  });

  it('allows private addresses only when the setting does, and never the metadata address', () => {
    expect(refusedUrl('https://10.0.0.7/hook', vpc)).toBeNull();
    expect(refusedUrl('https://169.254.169.254/', vpc)).toContain('metadata');
    expect(refusedUrl('https://127.0.0.1/', vpc)).toContain('loopback');
    expect(refusedUrl('https://100.64.0.1/', vpc)).toBeNull();
    expect(refusedUrl('https://224.0.0.1/', vpc)).toContain('multicast');
  });
});
