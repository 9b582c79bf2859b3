import { OrchestratorError, StoreUnavailableError } from '../../errors';
import { DEFAULT_RETRY_POLICY, RetriesExhausted, type RetryPolicy, withRetry } from '../retry';
import {
  classifyOssError,
  describeOssError,
  isFileAlreadyExists,
  isOssNotFound,
  type OssClient,
  type OssListedObject,
} from './client';

/**
 * The OSS primitives the versioned store is built from, each a single atomic request under the retry policy,
 * answering in plain values (`null` for absent, `false` for a create that found the key taken) and throwing only
 * the orchestrator's errors, with the `[orchestrator] [state:oss]` prefix and no vendor message.
 */
export class OssBucket {
  constructor(
    private readonly client: OssClient,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async read(name: string): Promise<Buffer | null> {
    try {
      return (await this.call(() => this.client.get(name))).content;
    } catch (error) {
      if (isOssNotFound(error)) return null;
      throw this.translate('get', name, error);
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.call(() => this.client.head(name));
      return true;
    } catch (error) {
      if (isOssNotFound(error)) return false;
      throw this.translate('head', name, error);
    }
  }

  /**
   * `x-oss-forbid-overwrite: true`: `false` when the name already exists. A retried create whose first attempt
   * landed (lost response) also answers `false`; callers resolve that by re-reading.
   */
  async create(name: string, content: Buffer): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.put(name, content, { headers: { 'x-oss-forbid-overwrite': 'true' } }),
      );
      return true;
    } catch (error) {
      if (isFileAlreadyExists(error)) return false;
      throw this.translate('create', name, error);
    }
  }

  async overwrite(name: string, content: Buffer): Promise<void> {
    try {
      await this.call(() => this.client.put(name, content));
    } catch (error) {
      throw this.translate('put', name, error);
    }
  }

  /** DeleteMultipleObjects in batches of 1,000 (the OSS limit per request), quiet mode. */
  async deleteAll(names: string[]): Promise<void> {
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000);
      try {
        await this.call(() => this.client.deleteMulti(batch, { quiet: true }));
      } catch (error) {
        throw this.translate('delete', batch[0] ?? '', error);
      }
    }
  }

  /** One ListObjectsV2 page. `startAfter` is honoured on the first page only (OSS ignores it with a token). */
  async listPage(
    prefix: string,
    page: { startAfter?: string | undefined; token?: string | undefined; maxKeys: number },
  ): Promise<{ objects: OssListedObject[]; next: string | undefined }> {
    try {
      const out = await this.call(() =>
        this.client.listV2({
          prefix,
          'max-keys': page.maxKeys,
          ...(page.token ? { 'continuation-token': page.token } : {}),
          ...(page.startAfter && !page.token ? { 'start-after': page.startAfter } : {}),
        }),
      );
      return {
        objects: out.objects ?? [],
        next: out.isTruncated && out.nextContinuationToken ? out.nextContinuationToken : undefined,
      };
    } catch (error) {
      throw this.translate('list', prefix, error);
    }
  }

  private call<T>(request: () => Promise<T>): Promise<T> {
    return withRetry(request, classifyOssError, this.policy);
  }

  private translate(op: string, name: string, error: unknown): Error {
    if (error instanceof OrchestratorError) return error;
    if (error instanceof RetriesExhausted) {
      return new StoreUnavailableError(
        `[orchestrator] [state:oss] ${op} ${name} failed after ${error.attempts} attempts: ${describeOssError(error.last)}`,
        { cause: error.last },
      );
    }
    return new OrchestratorError(
      `[orchestrator] [state:oss] ${op} ${name} failed: ${describeOssError(error)}`,
      {
        cause: error,
      },
    );
  }
}
