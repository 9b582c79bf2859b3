/**
 * Each FC function's sizing and environment: which of the deployer's variables it receives (only the ones it
 * uses: the credentials function never sees manager keys or SAE settings, lifecycle never the STS role), and
 * the check that runs the same readers its composition root runs at cold start.
 *
 * @module
 */
import {
  ALIYUN_PLATFORM,
  loadCloudConfig,
  readAliyunStsSettings,
  readOssSettings,
  readSaeSettings,
  readStsChoice,
} from '../../src/config/cloud';
import type { Env } from '../../src/config/env';
import {
  LIFECYCLE_VARIABLES,
  SAE_VARIABLES,
  STATE_VARIABLES,
  STS_VARIABLES,
  SWEEPER_VARIABLES,
} from '../../src/config/variables';
import type { FunctionName } from '../build/targets';

/**
 * The deployed FC functions: one per bundle, plus `ensure-ready`, which runs the lifecycle bundle (same code and
 * role) in a function of its own: its reserved concurrency caps how many ensure-ready waits run at once, so a
 * burst of waits can never take the instances that workers' `/ready` reports need.
 */
export const FC_FUNCTIONS = ['lifecycle', 'ensure-ready', 'credentials', 'sweeper'] as const;
export type FcFunctionName = (typeof FC_FUNCTIONS)[number];

/** The bundle (and so the RAM role and cold-start checks) a deployed function runs. */
export const codeOf = (fn: FcFunctionName): FunctionName => (fn === 'ensure-ready' ? 'lifecycle' : fn);

export interface FunctionSize {
  cpu: number;
  memorySize: number;
  timeout: number;
}

/**
 * Sizes: 0.5 vCPU per 512 MB (FC 3.0 wants vCPU:GB between 1:1 and 1:4). Timeouts: ensure-ready waits at most
 * 20 s; the sweeper's run budget is 40 s.
 *
 * No `instanceConcurrency`: FC 3.0's built-in runtimes (`nodejs20`) serve one request per instance and do not
 * take the setting; only custom runtimes do. We stay on the built-in runtime (the handler is FC's event API, the
 * cold start is the fastest FC has, and no HTTP server of ours has to run in the instance): FC scales out by
 * instances instead, which costs more instances under load but nothing else. One request per instance is also
 * what makes FC_ENSURE_READY_CONCURRENCY (instances) exactly the number of waits at once, as on AWS.
 */
export const SIZES: Record<FcFunctionName, FunctionSize> = {
  lifecycle: { cpu: 0.5, memorySize: 512, timeout: 30 },
  'ensure-ready': { cpu: 0.5, memorySize: 512, timeout: 30 },
  credentials: { cpu: 0.25, memorySize: 256, timeout: 10 },
  sweeper: { cpu: 0.5, memorySize: 512, timeout: 60 },
};

/**
 * What a function is always given whatever the deployer set. The lifecycle function serves the HiClaw URL
 * `POST /workers/{name}/ensure-ready` (the domain's `/*` route: FC routes only exact paths and trailing-`*`
 * prefixes, so that URL cannot be routed by itself): there ensure-ready answers at once (200 ready, else 202 +
 * Retry-After; HiClaw's own ensure-ready never blocks either), so it holds no lifecycle instance for a wait.
 * Waiting is for `/ensure-ready/workers/{name}`, routed to the ensure-ready function and its reserved concurrency.
 */
const PINNED: Partial<Record<FcFunctionName, Record<string, string>>> = {
  lifecycle: { ENSURE_READY_MAX_SECONDS: '0' },
};

const STATE = [...STATE_VARIABLES, 'OSS_BUCKET', 'OSS_REGION', 'OSS_ENDPOINT'];
const POLICY = LIFECYCLE_VARIABLES;
const SAE = SAE_VARIABLES;
const SWEEP = SWEEPER_VARIABLES;
const STS = STS_VARIABLES;

/** Which of the deployer's variables each function receives, and what it is always given. */
const FORWARDED: Record<FunctionName, { names: string[]; fixed: Record<string, string> }> = {
  lifecycle: {
    // Either name the deployer accepts for the manager keys (the HiClaw one included) reaches the function.
    names: [...STATE, ...POLICY, ...SAE, 'MANAGER_API_KEYS', 'HICLAW_ORCHESTRATOR_API_KEY', 'BACKENDS'],
    fixed: { BACKENDS: 'sae' },
  },
  credentials: { names: [...STATE, ...STS, 'KEY_ROTATION_GRACE_SECONDS'], fixed: { STS_PROVIDER: 'aliyun' } },
  sweeper: { names: [...STATE, ...POLICY, ...SAE, ...SWEEP, 'BACKENDS'], fixed: { BACKENDS: 'sae' } },
};

/**
 * A function's environment as names: what it is always given (`fixed`), and which of the deployer's variables it
 * receives when set (`forwarded`). `ORCHESTRATOR_URL` is given to every function but credentials.
 */
export function environmentNames(fn: FcFunctionName): { fixed: Record<string, string>; forwarded: string[] } {
  const { names, fixed } = FORWARDED[codeOf(fn)];
  const always = {
    STATE_STORE: 'oss',
    ...fixed,
    ...PINNED[fn],
    FUNCTION_TIMEOUT_SECONDS: String(SIZES[fn].timeout),
  };
  return { fixed: always, forwarded: [...new Set(names)].filter((name) => !(name in always)) };
}

export function functionEnvironment(
  fn: FcFunctionName,
  env: Env,
  orchestratorUrl?: string,
): Record<string, string> {
  const { names, fixed } = FORWARDED[codeOf(fn)];
  const forwarded = Object.fromEntries(
    names.flatMap((name) => (env[name]?.trim() ? [[name, env[name]!.trim()]] : [])),
  );
  return {
    STATE_STORE: 'oss',
    ...fixed,
    ...forwarded,
    ...PINNED[fn],
    FUNCTION_TIMEOUT_SECONDS: String(SIZES[fn].timeout),
    ...(orchestratorUrl && fn !== 'credentials' ? { ORCHESTRATOR_URL: orchestratorUrl } : {}),
  };
}

/** Runs the checks the function's composition root runs at cold start; returns their complaint, if any. */
export function checkFunctionEnvironment(
  fn: FcFunctionName,
  environment: Record<string, string>,
  region: string,
) {
  const code = codeOf(fn);
  // FC sets FC_REGION itself; the roots read it for defaults.
  const env = { ...environment, FC_REGION: region };
  try {
    const config = loadCloudConfig(env, ALIYUN_PLATFORM, { managerKeysOptional: code !== 'lifecycle' });
    readOssSettings(env);
    if (code === 'credentials') readAliyunStsSettings(env, config.dataRoot);
    else if (config.backends.includes('sae')) readSaeSettings(env);
    readStsChoice(env);
    return undefined;
  } catch (error) {
    return `${fn}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
