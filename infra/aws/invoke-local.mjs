/**
 * What `npx osls invoke local -f <function>` needs to run the deployed code on this machine, applied by the local
 * plugin (`infra/build/osls-bundle-plugin.mjs`) before osls loads the handler. The deployed artifact is not touched.
 *
 * - The environment. A function's environment in serverless.yml holds values only CloudFormation knows
 *   (`Ref: StateBucket`, `Fn::GetAtt` of a role, `Fn::If` for the URL, `{{resolve:secretsmanager:…}}` for the
 *   manager keys); osls can resolve a `Ref` only against a deployed stack and refuses the rest. Each such value is
 *   taken from the caller's environment under the same name (`S3_BUCKET`, `MANAGER_API_KEYS`…), and the run
 *   stops naming every one the caller did not set. `AWS::Region` is the provider's region. Every other value is
 *   the template's own, so a local run sees what the deployed function sees.
 * - The handler. osls's Node invoker loads `<service>/index` with `require` and then `index.cjs`: it cannot load
 *   the bundle (`index.mjs`, an ES module, beside its lazily loaded chunks in `dist/aws/<function>/`). A
 *   CommonJS shim in `.serverless/invoke-local/<function>/index.cjs` imports the built bundle and hands the call
 *   to its handler; osls is pointed at that directory (`extraServicePath`). The bundles are built first.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A value osls cannot resolve without a deployed stack (or at all). */
const cloudOnly = (value) =>
  (value !== null && typeof value === 'object') ||
  (typeof value === 'string' && value.startsWith('{{resolve:'));

/**
 * The function's environment for a local run: `provider` and `fn` as serverless.yml gives them, with every
 * cloud-only value replaced from `env`. Returns the names `env` lacks (the run must stop) and the two objects.
 */
export function localEnvironment({ provider, fn, env, region }) {
  const missing = [];
  const resolve = (vars) =>
    Object.fromEntries(
      Object.entries(vars ?? {}).map(([name, value]) => {
        if (!cloudOnly(value)) return [name, value];
        if (value?.Ref === 'AWS::Region') return [name, region];
        const given = env[name];
        if (given === undefined || given === '') missing.push(name);
        return [name, given ?? ''];
      }),
    );
  const providerEnv = resolve(provider);
  const fnEnv = resolve(fn);
  return { provider: providerEnv, fn: fnEnv, missing: [...new Set(missing)].sort() };
}

/** The CommonJS module osls can `require`, handing every call to the ES module bundle's handler. */
export function shimSource(bundleFile, handlerName) {
  const url = JSON.stringify(pathToFileURL(bundleFile).href);
  return (
    '// Written by `osls invoke local` (infra/aws/invoke-local.mjs): loads the built ES module bundle.\n' +
    `exports.${handlerName} = async (event, context) => (await import(${url})).${handlerName}(event, context);\n`
  );
}

/**
 * Rewrites the invoked function's environment in `serverless.service` and points osls at the shim. `build`
 * builds the AWS bundles (the plugin's build step). Throws `Error` with the message to show on a missing value.
 */
export async function prepareInvokeLocal({ serverless, options, build, env = process.env }) {
  const service = serverless.service;
  const name = options.function;
  const fn = service.functions?.[name];
  if (!fn) return; // osls reports the unknown function itself
  const region = options.region ?? service.provider.region ?? 'us-east-1';
  const resolved = localEnvironment({
    provider: service.provider.environment,
    fn: fn.environment,
    env,
    region,
  });
  if (resolved.missing.length > 0) {
    throw new Error(
      `invoke local: ${name}'s environment has values only CloudFormation knows; set them in your shell ` +
        `(see the README's local environment): ${resolved.missing.join(', ')}`,
    );
  }
  service.provider.environment = resolved.provider;
  fn.environment = resolved.fn;

  const artifact = fn.package?.artifact;
  if (!artifact?.endsWith('.zip')) throw new Error(`invoke local: ${name} has no bundle zip artifact`);
  build();
  const bundleDir = join(serverless.serviceDir, artifact.slice(0, -'.zip'.length));
  const separator = fn.handler.lastIndexOf('.');
  const [file, handlerName] = [fn.handler.slice(0, separator), fn.handler.slice(separator + 1)];
  const bundleFile = ['.mjs', '.js', '.cjs'].map((ext) => join(bundleDir, file + ext)).find(existsSync);
  if (!bundleFile) throw new Error(`invoke local: no ${file}.mjs in ${bundleDir} after the build`);
  const shimDir = join('.serverless', 'invoke-local', name);
  await mkdir(join(serverless.serviceDir, shimDir), { recursive: true });
  await writeFile(join(serverless.serviceDir, shimDir, `${file}.cjs`), shimSource(bundleFile, handlerName));
  options.extraServicePath = shimDir;
}
