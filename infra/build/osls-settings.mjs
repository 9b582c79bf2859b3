/**
 * Settings `serverless.yml` derives from its params, as the `${orchestrator:<name>}` variable source of the local
 * plugin: serverless variables cannot add a slash or divide, and IAM resources built from an unnormalized prefix
 * would silently miss every key the code writes (`orchworkers/*` while the code writes `orch/workers/…`).
 *
 * - `statePrefix`, `dataRoot`: with the trailing `/` the code adds itself (`src/config/config.ts`), and refused
 *   (packaging fails, naming the setting) when the state prefix is empty or overlaps the workers' data prefixes,
 *   exactly as the functions would refuse them at cold start.
 * - `ensureReadyBurst`, `ensureReadyRate` (`/workers/{name}/ensure-ready`) and `ensureReadyV1Burst`,
 *   `ensureReadyV1Rate` (`/api/v1/workers/{name}/ensure-ready`): the gateway throttles of the two waiting routes,
 *   derived from the function's reserved concurrency C and the longest wait T (ENSURE_READY_MAX_SECONDS). A token
 *   bucket admits at most `burst + rate × T` requests in any window of T seconds, and every request admitted in
 *   the last T seconds may still be waiting. Both routes invoke the one function but each has its own bucket, so C
 *   is divided between them (ENSURE_READY_V1_CONCURRENCY to /api/v1, default ⌊C/2⌋, the rest to /workers) and each
 *   keeps `burst + rate × T` within its part: together they never admit more waits than C holds (the rest get
 *   the gateway's 429, never a Lambda throttle that API Gateway reports as 500). Half a part is its burst, the
 *   other half refills over one longest wait; a part needs 2 so that it refills at all.
 */

/** The workers' data prefixes below DATA_ROOT (the credentials function scopes STS to them). */
const WORKER_DATA_PREFIXES = ['agents/', 'shared/'];

export class SettingError extends Error {}

const withSlash = (prefix) => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);

const integer = (name, raw, min, max) => {
  const text = String(raw ?? '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new SettingError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
};

/** Which route's part of the ensure-ready concurrency each throttle setting is, and which of its two numbers. */
const ENSURE_READY_THROTTLES = {
  ensureReadyBurst: { route: 'workers', value: 'burst' },
  ensureReadyRate: { route: 'workers', value: 'rate' },
  ensureReadyV1Burst: { route: 'v1', value: 'burst' },
  ensureReadyV1Rate: { route: 'v1', value: 'rate' },
};

/** `params` holds the raw serverless params named in DERIVED_FROM. */
export function derivedSetting(name, params) {
  if (name === 'dataRoot') return withSlash(String(params.dataRoot ?? '').trim());
  if (name === 'statePrefix') {
    const state = withSlash(String(params.statePrefix ?? '').trim());
    const dataRoot = withSlash(String(params.dataRoot ?? '').trim());
    for (const data of WORKER_DATA_PREFIXES) {
      const worker = dataRoot + data;
      if (state === '' || worker.startsWith(state) || state.startsWith(worker)) {
        throw new SettingError(
          `STATE_PREFIX (${JSON.stringify(state)}) must be non-empty and disjoint from the workers' data ` +
            `prefix ${worker} (DATA_ROOT ${JSON.stringify(dataRoot)})`,
        );
      }
    }
    return state;
  }
  const throttle = ENSURE_READY_THROTTLES[name];
  if (throttle) {
    // Each route's part is at least 2 (a burst of 1 and something to refill it), so C is at least 4.
    const concurrency = integer('ENSURE_READY_CONCURRENCY', params.ensureReadyConcurrency, 4, 1000);
    // 0 turns the wait off; the call still takes about a second, so a second is the least T.
    const seconds = Math.max(1, integer('ENSURE_READY_MAX_SECONDS', params.ensureReadyMaxSeconds, 0, 25));
    const rawV1 = String(params.ensureReadyV1Concurrency ?? '').trim();
    const v1 =
      rawV1 === ''
        ? Math.floor(concurrency / 2)
        : integer('ENSURE_READY_V1_CONCURRENCY', rawV1, 2, concurrency - 2);
    const part = throttle.route === 'v1' ? v1 : concurrency - v1;
    const burst = Math.ceil(part / 2);
    if (throttle.value === 'burst') return burst;
    // Rounded down to 1/1000 so rounding can never admit more than the bound.
    return Math.floor(((part - burst) / seconds) * 1000) / 1000;
  }
  throw new SettingError(`\${orchestrator:${name}} is not a setting serverless.yml can derive`);
}

/** The raw params `derivedSetting` reads. */
export const DERIVED_FROM = [
  'statePrefix',
  'dataRoot',
  'ensureReadyConcurrency',
  'ensureReadyMaxSeconds',
  'ensureReadyV1Concurrency',
];

/**
 * The params serverless.yml declares under `params.default`, each with the environment variable it reads
 * (`ecsSubnets: ${env:ECS_SUBNETS, ''}` → `ecsSubnets` ↔ `ECS_SUBNETS`), read from the file's text: osls hands
 * plugins the resolved values only, and the README's names come from here.
 */
export function declaredParams(serverlessYml) {
  // The `default:` block under the top-level `params:` (stage blocks may come before it).
  const params = serverlessYml.slice(serverlessYml.search(/^params:$/m));
  const block = /^ {2}default:\n((?: {4}.*\n|\s*\n)+)/m.exec(params)?.[1] ?? '';
  return Object.fromEntries(
    [...block.matchAll(/^ {4}(\w+): \$\{env:([A-Z0-9_]+)/gm)].map(([, param, env]) => [param, env]),
  );
}

/**
 * What a `--param="name=value"` or a stage's `params:` block may name: osls silently ignores a name no
 * `${param:…}` reads, so `--param="ECS_SUBNETS=…"` (the environment variable's name) would package without
 * subnets. Returns one message per unknown name, suggesting the param an upper-case name stands for.
 */
export function unknownParamNames(names, declared) {
  const byEnv = Object.fromEntries(Object.entries(declared).map(([param, env]) => [env, param]));
  return names
    .filter((name) => !(name in declared))
    .map((name) =>
      byEnv[name]
        ? `unknown param ${JSON.stringify(name)}: params are camelCase, use ${byEnv[name]} (or the environment variable ${name})`
        : `unknown param ${JSON.stringify(name)}: serverless.yml declares ${Object.keys(declared).join(', ')}`,
    );
}

/**
 * Settings a deployment cannot work without, checked on the functions' resolved environments before packaging:
 * the functions would otherwise deploy and fail at cold start.
 */
const REQUIRED = [
  {
    variable: 'ECS_SUBNETS',
    param: 'ecsSubnets',
    why: 'the Fargate subnets workers run in, e.g. ECS_SUBNETS=subnet-aaa,subnet-bbb',
  },
];

/** `functions` as osls resolved them; returns one message per required setting that is empty where it is used. */
export function missingRequiredSettings(functions) {
  return REQUIRED.filter(({ variable }) =>
    Object.values(functions ?? {}).some((fn) => {
      const value = fn.environment?.[variable];
      return value !== undefined && String(value).trim() === '';
    }),
  ).map(({ variable, param, why }) => `${variable} (param ${param}) is required: ${why}`);
}
