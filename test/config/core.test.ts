/**
 * `loadConfig` parses the environment with one zod schema per group; every bad value fails at start with a
 * `ConfigError` naming the variable, and blank values count as unset.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/core';
import { ConfigError } from '../../src/errors';
import { DEFAULT_SETTINGS, DEFAULT_SWEEPER_SETTINGS } from '../../src/lifecycle';

const KEY = 'manager-key-0123456789';
const load = (env: Record<string, string>) => () => loadConfig({ MANAGER_API_KEYS: KEY, ...env });

describe('loadConfig', () => {
  it('gives every setting its default when the environment says nothing (blank counts as unset)', () => {
    const config = loadConfig({ MANAGER_API_KEYS: KEY, IDLE_TIMEOUT_SECONDS: '  ', BACKENDS: '' });
    expect(config.settings).toEqual({ ...DEFAULT_SETTINGS, defaultBackend: 'docker' });
    expect(config.sweeper).toEqual(DEFAULT_SWEEPER_SETTINGS);
    expect(config.state).toEqual({ kind: 'fs', prefix: 'orchestrator/', fsRoot: '.data/state' });
    expect(config.auth).toEqual({ mode: 'keys', managerKeys: [KEY] });
  });

  it('reads each group: lists, integers, words and the HiClaw alias of the manager keys', () => {
    const config = loadConfig({
      MANAGER_API_KEYS: `${KEY}, ${KEY}-2`,
      HICLAW_ORCHESTRATOR_API_KEY: `${KEY}-3`,
      BACKENDS: 'fake, docker',
      IDLE_TIMEOUT_SECONDS: '0',
      ORPHAN_ACTION: 'report',
      SWEEP_INTERVAL_SECONDS: '0',
      STATE_PREFIX: 'state',
    });
    expect(config.auth.managerKeys).toEqual([KEY, `${KEY}-2`, `${KEY}-3`]);
    expect(config.backends).toEqual(['fake', 'docker']);
    expect(config.settings.defaultBackend).toBe('fake');
    expect(config.settings.defaultIdleTimeoutSeconds).toBe(0);
    expect(config.sweeper.orphanAction).toBe('report');
    // 0 turns the emulator's timer off; the schedule's own period stays the default.
    expect(config.sweeper.runIntervalSeconds).toBe(DEFAULT_SWEEPER_SETTINGS.runIntervalSeconds);
    expect(config.state.prefix).toBe('state/');
  });

  it.each([
    [{ IDLE_TIMEOUT_SECONDS: 'soon' }, /^IDLE_TIMEOUT_SECONDS must be an integer, got "soon"$/],
    [{ FUNCTION_TIMEOUT_SECONDS: '901' }, /^FUNCTION_TIMEOUT_SECONDS must be between 1 and 900, got 901$/],
    [{ ORPHAN_ACTION: 'nuke' }, /^ORPHAN_ACTION must be one of report, stop, delete, got "nuke"$/],
    [{ STATE_STORE: 'sqlite' }, /^STATE_STORE must be one of/],
    [{ WORKER_KEY_PREFIX: 'Bad_Prefix' }, /^WORKER_KEY_PREFIX must be 2-16 lowercase/],
    [{ BACKENDS: 'docker,k8s' }, /^BACKENDS entries must be among/],
    [{ DEFAULT_BACKEND: 'sae' }, /^DEFAULT_BACKEND \(sae\) must be one of BACKENDS/],
    [{ STATE_PREFIX: 'agents/' }, /^STATE_PREFIX .* must be disjoint/],
    [{ MANAGER_API_KEYS: 'short' }, /at least 16 characters/],
    [{ MANAGER_API_KEYS: '' }, /MANAGER_API_KEYS .* is required/],
  ])('refuses %j at start, naming the variable', (env, message) => {
    expect(load(env)).toThrow(ConfigError);
    expect(load(env)).toThrow(message);
  });
});
