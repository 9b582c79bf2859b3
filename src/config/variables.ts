/**
 * The names of the configuration variables, grouped by what reads them: the one list. Deployers forward exactly
 * the groups a function needs (the emulator runner, the FC deploy script and `s.yaml`, serverless.yml), so a new
 * setting is added here once; `test/infra/configuration-lists.test.ts` fails until serverless.yml, the FC script
 * and the README carry it (or `NOT_DEPLOYED` says why a deployment leaves it out).
 *
 * @module
 */

/** Read by every function: where the state is and how keys look. */
export const STATE_VARIABLES = ['STATE_PREFIX', 'DATA_ROOT', 'WORKER_KEY_PREFIX'] as const;

/** The lifecycle's tunables (`src/config/config.ts`), read by the lifecycle and sweeper functions. */
export const LIFECYCLE_VARIABLES = [
  'DEFAULT_BACKEND',
  'DEFAULT_IMAGE',
  'IDLE_TIMEOUT_SECONDS',
  'BEAT_WRITE_INTERVAL_SECONDS',
  'HEARTBEAT_INTERVAL_SECONDS',
  'REQUEST_DRIVE_BUDGET_MS',
  'ENSURE_READY_MAX_SECONDS',
  'MAX_ATTEMPTS',
  'WEDGED_AFTER_SECONDS',
  'KEY_ROTATION_GRACE_SECONDS',
  'UNRESPONSIVE_AFTER_SECONDS',
  'EVENT_RETENTION_DAYS',
  'WEBHOOKS_ALLOW_PRIVATE_ADDRESSES',
] as const;

/** The sweeper's tunables. */
export const SWEEPER_VARIABLES = [
  'SWEEP_INTERVAL_SECONDS',
  'SWEEP_FULL_SCAN_INTERVAL_SECONDS',
  'ORPHAN_GRACE_SECONDS',
  'ORPHAN_ACTION',
  'MAX_ORPHAN_ACTIONS_PER_RUN',
  'SWEEP_BUDGET_MS',
  'SWEEP_BACKEND_CONCURRENCY',
  'TOMBSTONE_RETENTION_SECONDS',
] as const;

/** The credential issuer's settings (the provider is fixed per platform, except in the emulator). */
export const STS_VARIABLES = [
  'STS_ROLE_ARN',
  'STS_BUCKET',
  'STS_OSS_ENDPOINT',
  'STS_REGION',
  'STS_ENDPOINT',
  'STS_DURATION_SECONDS',
] as const;

/** The ECS backend's settings (`readEcsSettings`), read by the AWS lifecycle and sweeper functions. */
export const ECS_VARIABLES = [
  'ECS_REGION',
  'ECS_CLUSTER',
  'ECS_SUBNETS',
  'ECS_SECURITY_GROUPS',
  'ECS_ASSIGN_PUBLIC_IP',
  'ECS_TASK_ROLE_ARN',
  'ECS_EXECUTION_ROLE_ARN',
  'ECS_LOG_GROUP',
  'ECS_ENDPOINT',
  'ECS_DEFAULT_CPU_MILLICORES',
  'ECS_DEFAULT_MEMORY_MB',
  'ECS_VERIFY_IMAGE_REGISTRIES',
] as const;

/** The SAE backend's settings (`readSaeSettings`), read by the Alibaba lifecycle and sweeper functions. */
export const SAE_VARIABLES = [
  'SAE_REGION',
  'SAE_ENDPOINT',
  'SAE_NAMESPACE_ID',
  'SAE_VPC_ID',
  'SAE_VSWITCH_ID',
  'SAE_SECURITY_GROUP_ID',
  'SAE_ACR_INSTANCE_ID',
  'SAE_ACR_ASSUME_ROLE_ARN',
  'SAE_DEFAULT_CPU_MILLICORES',
  'SAE_DEFAULT_MEMORY_MB',
] as const;

/**
 * Names of the groups above that a deployment does not hand its functions, and why; everything else in a group
 * reaches every function that reads the group (`test/infra/configuration-lists.test.ts` checks serverless.yml,
 * the FC deploy script, s.yaml and the README against these lists).
 */
export const NOT_DEPLOYED: Record<'aws' | 'aliyun', Partial<Record<string, string>>> = {
  aws: {
    DEFAULT_BACKEND: 'AWS runs one backend, ecs',
    SWEEP_INTERVAL_SECONDS: 'the EventBridge schedule fires every minute',
    STS_BUCKET: "workers' data lives in the stack's own bucket (S3_BUCKET)",
    STS_OSS_ENDPOINT: 'Alibaba Cloud only',
    ECS_ENDPOINT: 'the regional endpoint; set only for local runs (infra/aws/local.env)',
  },
  aliyun: {},
};
