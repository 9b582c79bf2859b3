/**
 * The emulator's composition root: which settings it reads from the worker's bindings, and which it refuses.
 * The root running inside workerd is proved end to end by `test/e2e/`.
 */
import { describe, expect, it } from 'vitest';
import { emulatorOptionsFromEnv, FORWARDED_VARS } from '../../infra/emulator/options';
import { loadConfig } from '../../src/config/core';
import type { Env } from '../../src/config/env';
import { ConfigError } from '../../src/errors';
import {
  createWorkerdOrchestrator,
  dockerOptionsFromEnv,
  LOOPBACK_ONLY_BINDING,
  PROXY_TOKEN_BINDING,
  stringBindings,
} from '../../src/platforms/workerd';
import type { R2BucketLike } from '../../src/store/r2';

const MANAGER_KEY = 'k'.repeat(40);
const PROXY_TOKEN = 'a'.repeat(64);
const unusedBucket = {} as R2BucketLike;

/** An env that answers only the given values and remembers every name it was asked for. */
const recordingEnv = (values: Env) => {
  const read = new Set<string>();
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  return { env, read };
};

describe('the workerd composition root', () => {
  it('is given every variable loadConfig and the Docker options read (the emulator forwards them all)', () => {
    const { env, read } = recordingEnv({ MANAGER_API_KEYS: MANAGER_KEY });
    loadConfig(env, { store: 'r2', backends: ['docker'] });
    dockerOptionsFromEnv(env);
    expect(read.size).toBeGreaterThan(20);
    const forwarded = new Set<string>(FORWARDED_VARS);
    expect([...read].filter((name) => !forwarded.has(name))).toEqual([]);
  });

  it('reads the Docker allow-lists, console port and pull bound, and names a bad setting', () => {
    expect(
      dockerOptionsFromEnv({
        DOCKER_CONSOLE_PORT: '8080',
        DOCKER_PULL_TIMEOUT_SECONDS: '30',
        DOCKER_ALLOWED_NETWORKS: 'host, workers',
        DOCKER_ALLOWED_REGISTRIES: 'registry.example.com',
        DOCKER_DEFAULT_NETWORK: 'host',
      }),
    ).toEqual({
      consolePort: 8080,
      pullTimeoutMs: 30_000,
      networkAllowList: ['host', 'workers'],
      registryAllowList: ['registry.example.com'],
      defaultNetwork: 'host',
    });
    // Unset allow-lists allow everything (one developer's machine); 0 turns the console port off.
    expect(dockerOptionsFromEnv({ DOCKER_CONSOLE_PORT: '0' })).toEqual({ pullTimeoutMs: 60_000 });
    expect(() => dockerOptionsFromEnv({ DOCKER_CONSOLE_PORT: '70000' })).toThrow(/DOCKER_CONSOLE_PORT/);
  });

  it('reads an allow-list that is set but empty as allowing nothing, never as unset', () => {
    // Regression: `DOCKER_ALLOWED_REGISTRIES=` was read like an unset variable, i.e. every registry allowed.
    expect(
      dockerOptionsFromEnv({
        DOCKER_ALLOWED_NETWORKS: '',
        DOCKER_ALLOWED_EXTRA_HOSTS: ' ',
        DOCKER_ALLOWED_REGISTRIES: '',
      }),
    ).toEqual({
      pullTimeoutMs: 60_000,
      networkAllowList: [],
      extraHostsAllowList: [],
      registryAllowList: [],
    });
  });

  it('forwards an empty allow-list from the npm start environment to the functions, where other empties drop', () => {
    const { vars } = emulatorOptionsFromEnv({ DOCKER_ALLOWED_REGISTRIES: '', DEFAULT_IMAGE: '', PORT: '0' });
    expect(vars.DOCKER_ALLOWED_REGISTRIES).toBe('');
    expect(dockerOptionsFromEnv(vars).registryAllowList).toEqual([]);
    expect(vars.DEFAULT_IMAGE).toBe('orchestrator-test-worker:latest');
    expect('DOCKER_ALLOWED_NETWORKS' in vars).toBe(false);
  });

  it("keeps only the plain-text bindings as configuration, and the runner's own bindings out of it", () => {
    expect(stringBindings({ STATE: unusedBucket, BACKENDS: 'fake', COUNT: 3 })).toEqual({ BACKENDS: 'fake' });
    expect(
      stringBindings({
        BACKENDS: 'fake',
        [PROXY_TOKEN_BINDING]: PROXY_TOKEN,
        [LOOPBACK_ONLY_BINDING]: 'true',
      }),
    ).toEqual({ BACKENDS: 'fake' });
  });

  it('refuses a state store other than the R2 binding, and a missing manager key, naming the setting', () => {
    const build = (vars: Env) => () =>
      createWorkerdOrchestrator({ STATE: unusedBucket, [PROXY_TOKEN_BINDING]: PROXY_TOKEN, ...vars });
    expect(build({ MANAGER_API_KEYS: MANAGER_KEY, STATE_STORE: 's3' })).toThrow(/STATE_STORE must be r2/);
    expect(build({})).toThrow(ConfigError);
    expect(build({})).toThrow(/MANAGER_API_KEYS/);
    expect(build({ MANAGER_API_KEYS: MANAGER_KEY })).not.toThrow();
  });

  it('refuses the Docker backend without the proxy token that opens the outbound service', () => {
    const build = (vars: Env) => () =>
      createWorkerdOrchestrator({ STATE: unusedBucket, MANAGER_API_KEYS: MANAGER_KEY, ...vars });
    expect(build({})).toThrow(new RegExp(`${PROXY_TOKEN_BINDING} binding is missing`));
    expect(build({ [PROXY_TOKEN_BINDING]: '' })).toThrow(ConfigError);
    // The fake backend reaches nothing through the outbound service, so it needs no token.
    expect(build({ BACKENDS: 'fake' })).not.toThrow();
  });

  it('refuses AUTH_MODE=off unless the emulator runner says its listener is loopback alone', () => {
    const build = (vars: Env) => () =>
      createWorkerdOrchestrator({ STATE: unusedBucket, BACKENDS: 'fake', AUTH_MODE: 'off', ...vars });
    expect(build({})).toThrow(/AUTH_MODE=off is allowed only in the emulator runner listening on loopback/);
    expect(build({ [LOOPBACK_ONLY_BINDING]: 'false' })).toThrow(ConfigError);
    expect(build({ [LOOPBACK_ONLY_BINDING]: 'yes' })).toThrow(ConfigError);
    expect(build({ [LOOPBACK_ONLY_BINDING]: 'true' })).not.toThrow();
  });
});
