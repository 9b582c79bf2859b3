/**
 * What both Alibaba Cloud HTTP functions compose over: the OSS state store (which keeps the state prefix itself)
 * and the function's own credentials.
 *
 * @module
 */

import type { OrchestratorConfig } from '../../config/core';
import type { Env } from '../../config/env';
import { type ComposeInput, composeOrchestrator, type Orchestrator } from '../compose';
import { type FunctionCredentials, stateStore } from './state';

export function composeFc(
  env: Env,
  config: OrchestratorConfig,
  credentials: FunctionCredentials,
  extra: Omit<Partial<ComposeInput>, 'config' | 'store'> & Pick<ComposeInput, 'createApp'>,
): Orchestrator {
  return composeOrchestrator({
    config: { ...config, state: { ...config.state, prefix: '' } },
    store: stateStore(env, config, credentials),
    backends: {},
    ...extra,
  });
}
