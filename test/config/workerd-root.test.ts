/**
 * The emulator's composition root: which settings it reads from the worker's bindings, and which it refuses.
 * The root running inside workerd is proved end to end by `test/e2e/`.
 */
import { describe, expect, it } from 'vitest';
import { FORWARDED_VARS } from '../../infra/emulator/options';
import { loadConfig } from '../../src/config/config';
import type { Env } from '../../src/config/env-reader';
import {
  createWorkerdOrchestrator,
  dockerOptionsFromEnv,
  stringBindings,
} from '../../src/config/workerd-root';
import { ConfigError } from '../../src/errors';
import type { R2BucketLike } from '../../src/store/r2';

const MANAGER_KEY = 'k'.repeat(40);
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

  it('keeps only the plain-text bindings as configuration', () => {
    expect(stringBindings({ STATE: unusedBucket, BACKENDS: 'fake', COUNT: 3 })).toEqual({ BACKENDS: 'fake' });
  });

  it('refuses a state store other than the R2 binding, and a missing manager key, naming the setting', () => {
    const build = (vars: Env) => () => createWorkerdOrchestrator({ STATE: unusedBucket, ...vars });
    expect(build({ MANAGER_API_KEYS: MANAGER_KEY, STATE_STORE: 's3' })).toThrow(/STATE_STORE must be r2/);
    expect(build({})).toThrow(ConfigError);
    expect(build({})).toThrow(/MANAGER_API_KEYS/);
    expect(build({ MANAGER_API_KEYS: MANAGER_KEY })).not.toThrow();
  });
});
