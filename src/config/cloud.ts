/**
 * Cloud adapter settings from the environment: S3 / OSS state, ECS / SAE backends, AWS / Alibaba STS. Each reader
 * is called by a composition root only for the adapter it selected, so a Lambda never needs SAE settings and a
 * misconfiguration fails at start with a `ConfigError` that names the variable. The README lists every variable.
 *
 * The results are plain adapter options (minus what the root adds: the state prefix, the deployment id, the
 * credentials), so this file imports no SDK and stays out of the bundles' hot path.
 *
 * @module
 */

import type { EcsBackendOptions } from '../backends/ecs';
import type { SaeBackendOptions } from '../backends/sae';
import type { AliyunStsIssuerOptions } from '../credentials/aliyun-sts';
import type { AwsStsIssuerOptions } from '../credentials/aws-sts';
import { ConfigError } from '../errors';
import type { OssStoreOptions } from '../store/oss';
import type { S3StoreOptions } from '../store/s3';
import { type BackendKind, loadConfig, type OrchestratorConfig, type StoreKind } from './core';
import { type Env, EnvReader } from './env';

export interface CloudPlatform {
  /** For messages: `AWS Lambda`, `Alibaba Cloud FC`. */
  label: string;
  store: StoreKind;
  /** The cloud backends this platform's bundles include; the first is the default. */
  backends: BackendKind[];
}

export const AWS_PLATFORM: CloudPlatform = { label: 'AWS Lambda', store: 's3', backends: ['ecs'] };
export const ALIYUN_PLATFORM: CloudPlatform = { label: 'Alibaba Cloud FC', store: 'oss', backends: ['sae'] };

/**
 * `loadConfig` plus the rules every cloud function obeys: auth is always on (`AUTH_MODE=off` is refused, not
 * ignored, so a misconfiguration is loud), the state store is the platform's, and only the platform's backends
 * are accepted — `fake` too, but only when `BACKENDS` names it explicitly (the entry tests use it).
 *
 * The credentials function and the sweeper serve no manager route, so they may run without `MANAGER_API_KEYS`
 * (`managerKeysOptional`): it then gets a random key nobody knows, which keeps auth on without handing the
 * worker-facing function a real manager key.
 */
export function loadCloudConfig(
  env: Env,
  platform: CloudPlatform,
  options: { managerKeysOptional?: boolean } = {},
): OrchestratorConfig {
  const read = new EnvReader(env);
  if (read.raw('AUTH_MODE') !== undefined && read.raw('AUTH_MODE') !== 'keys') {
    throw new ConfigError(
      `AUTH_MODE must be keys on ${platform.label}: cloud functions never run without auth`,
    );
  }
  const hasManagerKey = read.raw('MANAGER_API_KEYS') ?? read.raw('HICLAW_ORCHESTRATOR_API_KEY');
  const unusableKey = () => `unusable-${crypto.randomUUID()}${crypto.randomUUID()}`;
  const config = loadConfig(
    options.managerKeysOptional && !hasManagerKey ? { ...env, MANAGER_API_KEYS: unusableKey() } : env,
    { store: platform.store, backends: platform.backends },
  );
  if (config.state.kind !== platform.store) {
    throw new ConfigError(
      `STATE_STORE must be ${platform.store} on ${platform.label}, got ${config.state.kind}`,
    );
  }
  for (const backend of config.backends) {
    if (backend !== 'fake' && !platform.backends.includes(backend)) {
      throw new ConfigError(
        `BACKENDS may name only ${[...platform.backends, 'fake'].join(', ')} on ${platform.label}, got ${backend}`,
      );
    }
  }
  // The local test image exists on no registry: in the cloud a create names its image unless DEFAULT_IMAGE does.
  const settings =
    read.raw('DEFAULT_IMAGE') === undefined ? { ...config.settings, defaultImage: '' } : config.settings;
  // Rebuilt rather than spread, so no value read from the environment can carry another auth mode through.
  return { ...config, settings, auth: { mode: 'keys', managerKeys: [...config.auth.managerKeys] } };
}

const TIMEOUT_RANGE = { min: 100, max: 60_000 };

/** `S3_*`: the state bucket on Amazon S3 or an S3-compatible store. */
export function readS3Settings(env: Env): Omit<S3StoreOptions, 'prefix' | 'client'> {
  const read = new EnvReader(env);
  const endpoint = url(read, 'S3_ENDPOINT');
  return {
    bucket: read.required('S3_BUCKET', 'when STATE_STORE=s3 (the state bucket)'),
    region: read.string('S3_REGION', read.string('AWS_REGION', 'us-east-1')),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: read.bool('S3_FORCE_PATH_STYLE', endpoint !== undefined),
    dialect: read.oneOf('S3_DIALECT', ['aws', 'ceph-rgw'] as const, 'aws'),
    requestTimeoutMs: read.int('S3_REQUEST_TIMEOUT_MS', 5_000, TIMEOUT_RANGE),
  };
}

/** `OSS_*`: the state bucket on Alibaba Cloud OSS (credentials come from the function, not from here). */
export function readOssSettings(env: Env): Omit<OssStoreOptions, 'prefix' | 'client' | 'credentials'> {
  const read = new EnvReader(env);
  const endpoint = url(read, 'OSS_ENDPOINT');
  return {
    bucket: read.required('OSS_BUCKET', 'when STATE_STORE=oss (the state bucket)'),
    region: read.string('OSS_REGION', `oss-${read.string('FC_REGION', 'cn-hangzhou')}`),
    ...(endpoint ? { endpoint } : {}),
    requestTimeoutMs: read.int('OSS_REQUEST_TIMEOUT_MS', 5_000, TIMEOUT_RANGE),
  };
}

/** `ECS_*`: one Fargate service per worker. */
export function readEcsSettings(env: Env): Omit<EcsBackendOptions, 'deploymentId' | 'credentials'> {
  const read = new EnvReader(env);
  const subnets = read.list('ECS_SUBNETS') ?? [];
  if (subnets.length === 0) {
    throw new ConfigError(
      'Environment variable ECS_SUBNETS is required when BACKENDS includes ecs (awsvpc subnets)',
    );
  }
  return compact({
    region: either(read, 'ECS_REGION', 'AWS_REGION', 'when BACKENDS includes ecs'),
    cluster: read.required('ECS_CLUSTER', 'when BACKENDS includes ecs'),
    subnets,
    securityGroups: read.list('ECS_SECURITY_GROUPS'),
    assignPublicIp: read.bool('ECS_ASSIGN_PUBLIC_IP', false),
    executionRoleArn: arn(read, 'ECS_EXECUTION_ROLE_ARN', /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/),
    taskRoleArn: arn(read, 'ECS_TASK_ROLE_ARN', /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/),
    logGroup: read.raw('ECS_LOG_GROUP'),
    endpoint: url(read, 'ECS_ENDPOINT'),
    defaultCpuMillicores: optionalInt(read, 'ECS_DEFAULT_CPU_MILLICORES', { min: 250, max: 16_000 }),
    defaultMemoryMb: optionalInt(read, 'ECS_DEFAULT_MEMORY_MB', { min: 512, max: 122_880 }),
    verifyImageRegistries: read.list('ECS_VERIFY_IMAGE_REGISTRIES'),
  });
}

/** `SAE_*`: one SAE application per worker. */
export function readSaeSettings(
  env: Env,
): Omit<
  SaeBackendOptions,
  'deploymentId' | 'credentials' | 'accessKeyId' | 'accessKeySecret' | 'securityToken'
> {
  const read = new EnvReader(env);
  return compact({
    regionId: either(read, 'SAE_REGION', 'FC_REGION', 'when BACKENDS includes sae'),
    endpoint: read.raw('SAE_ENDPOINT'),
    protocol: read.oneOf('SAE_PROTOCOL', ['https', 'http'] as const, 'https'),
    namespaceId: read.raw('SAE_NAMESPACE_ID'),
    vpcId: read.raw('SAE_VPC_ID'),
    vSwitchId: read.raw('SAE_VSWITCH_ID'),
    securityGroupId: read.raw('SAE_SECURITY_GROUP_ID'),
    acrInstanceId: read.raw('SAE_ACR_INSTANCE_ID'),
    acrAssumeRoleArn: arn(read, 'SAE_ACR_ASSUME_ROLE_ARN', /^acs:ram::\d+:role\/\S+$/),
    defaultCpuMillicores: optionalInt(read, 'SAE_DEFAULT_CPU_MILLICORES', { min: 500, max: 32_000 }),
    defaultMemoryMb: optionalInt(read, 'SAE_DEFAULT_MEMORY_MB', { min: 1024, max: 131_072 }),
  });
}

export type StsProvider = 'none' | 'aws' | 'aliyun';

/** `STS_PROVIDER` (default `none`: `/credentials/sts` answers 503) and `STS_DURATION_SECONDS`. */
export function readStsChoice(env: Env): { provider: StsProvider; durationSeconds: number } {
  const read = new EnvReader(env);
  return {
    provider: read.oneOf('STS_PROVIDER', ['none', 'aws', 'aliyun'] as const, 'none'),
    durationSeconds: read.int('STS_DURATION_SECONDS', 3600, { min: 900, max: 3600 }),
  };
}

/** `STS_*` for AWS: AssumeRole of the worker-data role, scoped to the worker's prefix of the data bucket. */
export function readAwsStsSettings(env: Env, dataRoot: string): Omit<AwsStsIssuerOptions, 'credentials'> {
  const read = new EnvReader(env);
  return compact({
    roleArn: arn(read, 'STS_ROLE_ARN', /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, true)!,
    bucket: either(read, 'STS_BUCKET', 'S3_BUCKET', 'for STS_PROVIDER=aws'),
    region: either(read, 'STS_REGION', 'AWS_REGION', 'for STS_PROVIDER=aws'),
    dataRoot,
    s3Endpoint: url(read, 'STS_S3_ENDPOINT'),
    stsEndpoint: url(read, 'STS_ENDPOINT'),
  });
}

/** `STS_*` for Alibaba Cloud: AssumeRole (or AssumeRoleWithOIDC under RRSA) scoped to the worker's OSS prefix. */
export function readAliyunStsSettings(
  env: Env,
  dataRoot: string,
): Omit<AliyunStsIssuerOptions, 'credentials'> {
  const read = new EnvReader(env);
  const region = read.raw('STS_REGION') ?? read.raw('FC_REGION');
  const ossRegion = read.string('OSS_REGION', `oss-${region ?? 'cn-hangzhou'}`);
  return compact({
    roleArn: arn(read, 'STS_ROLE_ARN', /^acs:ram::\d+:role\/\S+$/, true)!,
    bucket: either(read, 'STS_BUCKET', 'OSS_BUCKET', 'for STS_PROVIDER=aliyun'),
    ossEndpoint: read.string('STS_OSS_ENDPOINT', `https://${ossRegion}.aliyuncs.com`),
    region,
    dataRoot,
    stsEndpoint: read.raw('STS_ENDPOINT'),
    oidcProviderArn: read.raw('ALIBABA_CLOUD_OIDC_PROVIDER_ARN'),
    oidcTokenFile: read.raw('ALIBABA_CLOUD_OIDC_TOKEN_FILE'),
  });
}

/** `name`, else `fallback` (a platform variable such as AWS_REGION); the error names both. */
function either(read: EnvReader, name: string, fallback: string, why: string): string {
  return read.raw(name) ?? read.required(fallback, `${why} (or set ${name})`);
}

function url(read: EnvReader, name: string): string | undefined {
  const value = read.raw(name);
  if (value !== undefined && !/^https?:\/\/[^\s/]+/.test(value)) {
    throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

function arn(read: EnvReader, name: string, shape: RegExp, required = false): string | undefined {
  const value = required ? read.required(name, '(a role ARN)') : read.raw(name);
  if (value !== undefined && !shape.test(value)) {
    throw new ConfigError(
      `${name} must look like ${shape.source.replace(/\\/g, '')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function optionalInt(read: EnvReader, name: string, range: { min: number; max: number }): number | undefined {
  return read.raw(name) === undefined ? undefined : read.int(name, range.min, range);
}

/** Drops unset fields, so adapters see their own defaults rather than explicit `undefined`s. */
function compact<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
