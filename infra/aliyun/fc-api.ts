/**
 * The slice of the FC 3.0 API the deploy uses, through `@alicloud/fc20230330`, with answers reduced to plain
 * data: a missing resource is `null`, and every other failure is a `DeployError` that says which call failed,
 * FC's code and message, and what to do about a permission failure. No credential ever reaches a message.
 *
 * The package is CommonJS with `exports.default`: in native ESM (tsx) the default import is the exports object,
 * so the client class is its `.default`; the models are named exports either way.
 *
 * @module
 */
import FcModule, {
  CreateCustomDomainInput,
  CreateCustomDomainRequest,
  CreateFunctionInput,
  CreateFunctionRequest,
  CreateTriggerInput,
  CreateTriggerRequest,
  GetFunctionRequest,
  PutConcurrencyConfigRequest,
  PutConcurrencyInput,
  UpdateCustomDomainInput,
  UpdateCustomDomainRequest,
  UpdateFunctionInput,
  UpdateFunctionRequest,
  UpdateTriggerInput,
  UpdateTriggerRequest,
} from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { DeploySettings } from './settings';

const FcClient = ((FcModule as unknown as { default?: typeof FcModule }).default ??
  FcModule) as typeof FcModule;

export class DeployError extends Error {
  override readonly name = 'DeployError';
}

type Model = Record<string, unknown>;

export interface FcApi {
  getFunction(name: string): Promise<Model | null>;
  createFunction(input: Model): Promise<Model>;
  updateFunction(name: string, input: Model): Promise<Model>;
  /** `PUT .../functions/{name}/concurrency`: sets (or replaces) the function's reserved concurrency. */
  putConcurrencyConfig(name: string, reservedConcurrency: number): Promise<Model>;
  getTrigger(fn: string, trigger: string): Promise<Model | null>;
  createTrigger(fn: string, input: Model): Promise<Model>;
  updateTrigger(fn: string, trigger: string, input: Model): Promise<Model>;
  getCustomDomain(name: string): Promise<Model | null>;
  createCustomDomain(input: Model): Promise<Model>;
  updateCustomDomain(name: string, input: Model): Promise<Model>;
  deleteFunction(name: string): Promise<Model>;
  deleteTrigger(fn: string, trigger: string): Promise<Model>;
  deleteCustomDomain(name: string): Promise<Model>;
}

const noBody = () => ({});

const NOT_FOUND = new Set(['FunctionNotFound', 'TriggerNotFound', 'DomainNameNotFound']);

/** FC's answer to a failed call, without the SDK's error object (which holds the signed request). */
function describeFailure(action: string, error: unknown): DeployError {
  const e = error as { code?: string; statusCode?: number; data?: Model; message?: string };
  const code = String(e.data?.Code ?? e.code ?? 'Error');
  const status = e.statusCode ?? (e.data?.statusCode as number | undefined);
  const message = String(e.data?.Message ?? e.message ?? 'no message').replace(/\s+request id:.*$/i, '');
  const requestId = e.data?.RequestId ? `, request ${e.data.RequestId}` : '';
  const hint =
    code === 'SignatureNotMatch' || code.startsWith('InvalidAccessKey')
      ? '. Check ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (and the security token, if any)'
      : status === 403 || code === 'AccessDenied'
        ? '. The deploying identity lacks a permission: attach infra/aliyun/ram-policies/deployer.json to it ' +
          '(FC actions on the functions, and ram:PassRole for the three function roles)'
        : '';
  return new DeployError(
    `FC ${action} failed: ${status ?? ''} ${code}: ${message}${requestId}${hint}`.replace('  ', ' '),
  );
}

export function createFcApi(settings: DeploySettings): FcApi {
  if (!settings.credentials) throw new DeployError('no credentials to sign FC calls with');
  const client = new FcClient(
    new $OpenApiUtil.Config({
      ...settings.credentials,
      endpoint: settings.endpoint,
      protocol: settings.protocol,
      regionId: settings.region,
      readTimeout: 60_000,
      connectTimeout: 10_000,
    }),
  );
  const call = async <T>(action: string, run: () => Promise<{ body?: unknown }>): Promise<T> => {
    try {
      return ((await run()).body ?? {}) as T;
    } catch (error) {
      throw describeFailure(action, error);
    }
  };
  const orNull = async (action: string, run: () => Promise<{ body?: unknown }>): Promise<Model | null> => {
    try {
      return ((await run()).body ?? {}) as Model;
    } catch (error) {
      const e = error as { code?: string; statusCode?: number; data?: Model };
      if (e.statusCode === 404 || NOT_FOUND.has(String(e.data?.Code ?? e.code))) return null;
      throw describeFailure(action, error);
    }
  };
  return {
    getFunction: (name) => orNull('GetFunction', () => client.getFunction(name, new GetFunctionRequest({}))),
    createFunction: (input) =>
      call('CreateFunction', () =>
        client.createFunction(new CreateFunctionRequest({ body: new CreateFunctionInput(input) })),
      ),
    updateFunction: (name, input) =>
      call('UpdateFunction', () =>
        client.updateFunction(name, new UpdateFunctionRequest({ body: new UpdateFunctionInput(input) })),
      ),
    putConcurrencyConfig: (name, reservedConcurrency) =>
      call('PutConcurrencyConfig', () =>
        client.putConcurrencyConfig(
          name,
          new PutConcurrencyConfigRequest({ body: new PutConcurrencyInput({ reservedConcurrency }) }),
        ),
      ),
    getTrigger: (fn, trigger) => orNull('GetTrigger', () => client.getTrigger(fn, trigger)),
    createTrigger: (fn, input) =>
      call('CreateTrigger', () =>
        client.createTrigger(fn, new CreateTriggerRequest({ body: new CreateTriggerInput(input) })),
      ),
    updateTrigger: (fn, trigger, input) =>
      call('UpdateTrigger', () =>
        client.updateTrigger(fn, trigger, new UpdateTriggerRequest({ body: new UpdateTriggerInput(input) })),
      ),
    getCustomDomain: (name) => orNull('GetCustomDomain', () => client.getCustomDomain(name)),
    createCustomDomain: (input) =>
      call('CreateCustomDomain', () =>
        client.createCustomDomain(
          new CreateCustomDomainRequest({ body: new CreateCustomDomainInput(input) }),
        ),
      ),
    updateCustomDomain: (name, input) =>
      call('UpdateCustomDomain', () =>
        client.updateCustomDomain(
          name,
          new UpdateCustomDomainRequest({ body: new UpdateCustomDomainInput(input) }),
        ),
      ),
    // A delete answers 204 with no body: nothing to hand back.
    deleteFunction: (name) => call('DeleteFunction', () => client.deleteFunction(name).then(noBody)),
    deleteTrigger: (fn, trigger) =>
      call('DeleteTrigger', () => client.deleteTrigger(fn, trigger).then(noBody)),
    deleteCustomDomain: (name) =>
      call('DeleteCustomDomain', () => client.deleteCustomDomain(name).then(noBody)),
  };
}
