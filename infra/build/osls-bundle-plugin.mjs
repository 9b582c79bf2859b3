/**
 * A local osls plugin: builds the AWS bundles (and their zips) before osls packages, so `npx osls package` and
 * `npx osls deploy` work from a clean clone with nothing else to run first. osls loads plugins with require() or
 * import(), not through a TypeScript loader, hence these small JavaScript files; the build itself is
 * `bundle.ts`, run in a child process under tsx.
 *
 * It also provides the `${orchestrator:<name>}` variable source (`osls-settings.mjs`): the settings
 * serverless.yml derives from its params (normalized prefixes, the ensure-ready throttle). An invalid setting
 * fails packaging with a message naming it, before anything is built.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DERIVED_FROM, derivedSetting, SettingError } from './osls-settings.mjs';

const BUNDLE_SCRIPT = fileURLToPath(new URL('./bundle.ts', import.meta.url));

export default class OrchestratorBundlePlugin {
  constructor(serverless, _options, { log } = {}) {
    const build = () => {
      log?.notice?.('Bundling the AWS functions (infra/build/bundle.ts)');
      execFileSync(process.execPath, ['--import', 'tsx', BUNDLE_SCRIPT, '--zip', '--platform=aws'], {
        cwd: serverless.serviceDir,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    };
    this.hooks = {
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
