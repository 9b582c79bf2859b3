/**
 * A local osls plugin: builds the AWS bundles (and their zips) before osls packages, so `npx osls package` and
 * `npx osls deploy` work from a clean clone with nothing else to run first. osls loads plugins with require() or
 * import(), not through a TypeScript loader, hence these small JavaScript files; the build itself is
 * `bundle.ts`, run in a child process under tsx.
 *
 * It also
 * - provides the `${orchestrator:<name>}` variable source (`osls-settings.mjs`): the settings serverless.yml
 *   derives from its params (normalized prefixes, the ensure-ready throttle). An invalid setting fails packaging
 *   with a message naming it, before anything is built;
 * - refuses, on every command, a `--param` or a stage's `params:` entry that names no declared param (osls
 *   would ignore it silently), and refuses to package while a required setting (ECS_SUBNETS) is empty;
 * - applies the `frontDoor` param (`infra/aws/front-door.mjs`): API Gateway, or Lambda function URLs;
 * - prepares `osls invoke local` (`infra/aws/invoke-local.mjs`): the cloud-only environment values from the
 *   caller's shell, and a shim that loads the ES module bundle.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyFrontDoor } from '../aws/front-door.mjs';
import { prepareInvokeLocal } from '../aws/invoke-local.mjs';
import {
  DERIVED_FROM,
  declaredParams,
  derivedSetting,
  missingRequiredSettings,
  SettingError,
  unknownParamNames,
} from './osls-settings.mjs';

const BUNDLE_SCRIPT = fileURLToPath(new URL('./bundle.ts', import.meta.url));

/** The value a `--param="name=value"` gives `name`, if any (the last one wins, as in osls). */
const paramFromCli = (param, name) =>
  asList(param)
    .map((entry) => String(entry))
    .filter((entry) => entry.startsWith(`${name}=`))
    .map((entry) => entry.slice(name.length + 1))
    .pop();

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export default class OrchestratorBundlePlugin {
  constructor(serverless, options, { log } = {}) {
    const fail = (message, code) => {
      throw new serverless.classes.Error(message, code);
    };
    const build = () => {
      log?.notice?.('Bundling the AWS functions (infra/build/bundle.ts)');
      execFileSync(process.execPath, ['--import', 'tsx', BUNDLE_SCRIPT, '--zip', '--platform=aws'], {
        cwd: serverless.serviceDir,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    };
    const checkParamNames = () => {
      const config = serverless.configurationFilename ?? 'serverless.yml';
      const declared = declaredParams(readFileSync(join(serverless.serviceDir, config), 'utf8'));
      const given = asList(options.param).map((entry) => String(entry).split('=')[0].trim());
      const stages = Object.entries(serverless.configurationInput?.params ?? {}).filter(
        ([s]) => s !== 'default',
      );
      const inStages = stages.flatMap(([, values]) => Object.keys(values ?? {}));
      const problems = unknownParamNames([...new Set([...given, ...inStages])], declared);
      if (problems.length > 0) fail(problems.join('\n'), 'ORCHESTRATOR_UNKNOWN_PARAM');
    };
    const beforePackaging = () => {
      const params = serverless.configurationInput?.params?.default ?? {};
      const stage = serverless.configurationInput?.params?.[serverless.service.provider.stage] ?? {};
      const setting = (name) =>
        (options.param ? paramFromCli(options.param, name) : undefined) ?? stage[name] ?? params[name];
      const problems = [
        ...applyFrontDoor(serverless.service, {
          frontDoor: setting('frontDoor') ?? 'httpApi',
          orchestratorUrl: setting('orchestratorUrl'),
        }),
        ...missingRequiredSettings(serverless.service.functions),
      ];
      if (problems.length > 0) fail(`Not packaging: ${problems.join('; ')}`, 'ORCHESTRATOR_MISSING_SETTING');
    };
    const invokeLocal = async () => {
      try {
        await prepareInvokeLocal({ serverless, options, build });
      } catch (error) {
        fail(error.message, 'ORCHESTRATOR_INVOKE_LOCAL');
      }
    };
    this.hooks = {
      initialize: async () => {
        checkParamNames();
        const [command, sub] = serverless.processedInput?.commands ?? [];
        if (command === 'invoke' && sub === 'local') await invokeLocal();
      },
      'before:package:initialize': beforePackaging,
      'before:package:createDeploymentArtifacts': build,
      'before:deploy:function:packageFunction': build,
    };
    this.configurationVariablesSources = {
      orchestrator: {
        async resolve({ address, resolveVariable }) {
          const params = {};
          for (const name of DERIVED_FROM) params[name] = await resolveVariable(`param:${name}`);
          try {
            return { value: derivedSetting(address, params) };
          } catch (error) {
            if (!(error instanceof SettingError)) throw error;
            throw new serverless.classes.Error(error.message, 'ORCHESTRATOR_INVALID_SETTING');
          }
        },
      },
    };
  }
}
