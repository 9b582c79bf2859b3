/**
 * The cloud composition roots refuse, at cold start, every configuration that could not work or would weaken
 * them — and the error names the variable to fix. No cloud root has a way to run without auth.
 */
import { describe, expect, it } from 'vitest';
import { loadCloudConfig } from '../../src/config/cloud';
import { ConfigError } from '../../src/errors';
import { aliyunCredentials, aliyunLifecycle, aliyunSweeper } from '../../src/platforms/aliyun';
import { awsCredentials, awsLifecycle, awsSweeper } from '../../src/platforms/aws';

const KEY = 'a-manager-key-of-enough-length';
const AWS_ENV = {
  AWS_REGION: 'eu-west-1',
  S3_BUCKET: 'state',
  MANAGER_API_KEYS: KEY,
  ECS_CLUSTER: 'agents',
  ECS_SUBNETS: 'subnet-1',
};
const ALIYUN_ENV = {
  FC_REGION: 'cn-hangzhou',
  OSS_BUCKET: 'state',
  MANAGER_API_KEYS: KEY,
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
  ALIBABA_CLOUD_SECURITY_TOKEN: 'token',
};
const AWS_ROOTS = { awsLifecycle, awsCredentials, awsSweeper };
const ALIYUN_ROOTS = { aliyunLifecycle, aliyunCredentials, aliyunSweeper };

const configError = (build: () => unknown): ConfigError => {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('cloud roots', () => {
  it.each([
    ...Object.entries(AWS_ROOTS).map(([name, root]) => [name, () => root({ ...AWS_ENV, AUTH_MODE: 'off' })]),
    ...Object.entries(ALIYUN_ROOTS).map(([name, root]) => [
      name,
      () => root({ ...ALIYUN_ENV, AUTH_MODE: 'off' }),
    ]),
  ] as [string, () => unknown][])('%s refuses AUTH_MODE=off', (_name, build) => {
    expect(configError(build).message).toMatch(/AUTH_MODE must be keys/);
  });

  it('the valid configurations compose without touching the network', () => {
    for (const root of Object.values(AWS_ROOTS)) expect(root(AWS_ENV)).toBeTruthy();
    for (const root of Object.values(ALIYUN_ROOTS)) expect(root(ALIYUN_ENV)).toBeTruthy();
  });

  it.each([
    ['S3_BUCKET', () => awsLifecycle({ ...AWS_ENV, S3_BUCKET: '' })],
    ['ECS_SUBNETS', () => awsSweeper({ ...AWS_ENV, ECS_SUBNETS: '' })],
    ['ECS_CLUSTER', () => awsLifecycle({ ...AWS_ENV, ECS_CLUSTER: undefined })],
    ['S3_ENDPOINT', () => awsLifecycle({ ...AWS_ENV, S3_ENDPOINT: 'localhost:9000' })],
    ['STS_ROLE_ARN', () => awsCredentials({ ...AWS_ENV, STS_PROVIDER: 'aws' })],
    ['STS_ROLE_ARN', () => awsCredentials({ ...AWS_ENV, STS_PROVIDER: 'aws', STS_ROLE_ARN: 'worker-role' })],
    ['STS_PROVIDER', () => awsCredentials({ ...AWS_ENV, STS_PROVIDER: 'aliyun' })],
    ['MANAGER_API_KEYS', () => awsLifecycle({ ...AWS_ENV, MANAGER_API_KEYS: undefined })],
    ['OSS_BUCKET', () => aliyunLifecycle({ ...ALIYUN_ENV, OSS_BUCKET: undefined })],
    [
      'ALIBABA_CLOUD_ACCESS_KEY_ID',
      () => aliyunSweeper({ ...ALIYUN_ENV, ALIBABA_CLOUD_ACCESS_KEY_ID: undefined }),
    ],
    ['SAE_REGION', () => aliyunLifecycle({ ...ALIYUN_ENV, BACKENDS: 'sae', FC_REGION: undefined })],
    ['STS_ROLE_ARN', () => aliyunCredentials({ ...ALIYUN_ENV, STS_PROVIDER: 'aliyun' })],
  ] as [string, () => unknown][])(
    'a bad or missing %s fails at start with an error naming it',
    (name, build) => {
      expect(configError(build).message).toContain(name);
    },
  );

  it("refuses another platform's store or backends", () => {
    expect(configError(() => awsLifecycle({ ...AWS_ENV, STATE_STORE: 'oss' })).message).toMatch(
      /STATE_STORE must be s3/,
    );
    expect(configError(() => awsLifecycle({ ...AWS_ENV, BACKENDS: 'sae' })).message).toMatch(
      /BACKENDS may name only/,
    );
    expect(configError(() => aliyunLifecycle({ ...ALIYUN_ENV, BACKENDS: 'docker' })).message).toMatch(
      /BACKENDS/,
    );
  });

  it('uses the fake backend only when BACKENDS names it, never by default', () => {
    const platform = { label: 'AWS Lambda', store: 's3' as const, backends: ['ecs' as const] };
    expect(loadCloudConfig(AWS_ENV, platform).backends).toEqual(['ecs']);
    expect(loadCloudConfig({ ...AWS_ENV, BACKENDS: 'fake' }, platform).backends).toEqual(['fake']);
  });

  it('never falls back to the local test image in the cloud: without DEFAULT_IMAGE a create must name one', () => {
    const platform = { label: 'AWS Lambda', store: 's3' as const, backends: ['ecs' as const] };
    expect(loadCloudConfig({ ...AWS_ENV, DEFAULT_IMAGE: undefined }, platform).settings.defaultImage).toBe(
      '',
    );
    expect(
      loadCloudConfig({ ...AWS_ENV, DEFAULT_IMAGE: 'repo/agent:1' }, platform).settings.defaultImage,
    ).toBe('repo/agent:1');
  });

  it('lets the credentials and sweeper functions start without a manager key, with auth still on', () => {
    const platform = { label: 'AWS Lambda', store: 's3' as const, backends: ['ecs' as const] };
    const env = { ...AWS_ENV, MANAGER_API_KEYS: undefined };
    const config = loadCloudConfig(env, platform, { managerKeysOptional: true });
    expect(config.auth.mode).toBe('keys');
    expect(config.auth.managerKeys).toHaveLength(1);
    // A random key per start: nobody can know it.
    expect(config.auth.managerKeys[0]).not.toBe(
      loadCloudConfig(env, platform, { managerKeysOptional: true }).auth.managerKeys[0],
    );
    expect(awsCredentials(env)).toBeTruthy();
    expect(aliyunSweeper({ ...ALIYUN_ENV, MANAGER_API_KEYS: undefined })).toBeTruthy();
  });
});
