/**
 * A local osls plugin: builds the AWS bundles (and their zips) before osls packages, so `npx osls package` and
 * `npx osls deploy` work from a clean clone with nothing else to run first. osls loads plugins with require() or
 * import(), not through a TypeScript loader, hence this one small JavaScript file; the build itself is
 * `bundle.ts`, run in a child process under tsx.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
  }
}
