/**
 * Session policies that scope issued credentials to one worker's prefixes (`agents/<name>/`, `shared/`).
 *
 * Pure functions. A worker gets objects under `<root>agents/<name>/*` and `<root>shared/*`, and may list only
 * with the prefixes `<root>agents/<name>/`, `<root>agents/<name>/*`, `<root>shared/`, `<root>shared/*`. The
 * trailing `/` in `agents/<name>/` is what keeps worker `a` out of `agents/ab/`. Both policy languages treat `*`
 * and `?` in resources and `StringLike` values as wildcards, so the name is validated as a DNS label before it
 * is interpolated: nothing from a request reaches a policy unchecked.
 *
 * @example
 * const json = serializePolicy(aliyunSessionPolicy({ bucket: 'my-bucket', root: '', name: 'alice' }));
 *
 * @module
 */

import { ConfigError } from '../errors';
import { assertWorkerName as assertName } from '../names';

/** Both Alibaba STS and AWS STS refuse session policies longer than this (AWS counts the minified text). */
export const MAX_SESSION_POLICY_CHARS = 2048;

/** OSS and S3 bucket names share this shape (S3 also allows dots). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** One path segment of the data root: no wildcards, no `..`, nothing that needs escaping in a policy. */
const ROOT_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export interface PolicyScope {
  bucket: string;
  /** The data root: '' or segments ending in '/', as returned by `normalizeDataRoot`. */
  root: string;
  name: string;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: { StringLike: Record<string, string[]> };
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** Throws `ValidationError` (field `name`) unless `name` is a worker name: the lifecycle's one rule. */
export function assertWorkerName(name: unknown): asserts name is string {
  assertName(name);
}

export const assertBucketName = (bucket: unknown, setting: string): string => {
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(`${setting} must be a bucket name (3-63 characters of a-z, 0-9, "-" and ".")`);
  }
  return bucket;
};

/** `undefined`, `''` and `'/'` mean the bucket root; otherwise `a/b` and `a/b/` both become `a/b/`. */
export const normalizeDataRoot = (root: string | undefined, setting: string): string => {
  const trimmed = (root ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  if (!segments.every((segment) => ROOT_SEGMENT.test(segment) && segment !== '..' && segment !== '.')) {
    throw new ConfigError(`${setting} must be '/'-separated segments of A-Z, a-z, 0-9, ".", "_" and "-"`);
  }
  return `${segments.join('/')}/`;
};

/** The prefixes a worker's credentials reach, in the order the HiClaw token reports them. */
export const workerPrefixes = ({ root, name }: Omit<PolicyScope, 'bucket'>): string[] => {
  assertWorkerName(name);
  return [`${root}agents/${name}/`, `${root}shared/`];
};

const listPrefixes = (scope: PolicyScope): string[] =>
  // Both the bare prefix and the wildcard form: whether `x/*` alone covers a list of exactly `x/` is not
  // documented for RAM, and the vendors' own folder examples list both.
  workerPrefixes(scope).flatMap((prefix) => [prefix, `${prefix}*`]);

/** Alibaba RAM policy (Version "1") for OSS: the worker's own prefix read-write, `shared/` read-only. */
export const aliyunSessionPolicy = (scope: PolicyScope): PolicyDocument => {
  const [own, shared] = workerPrefixes(scope) as [string, string];
  const bucketArn = `acs:oss:*:*:${scope.bucket}`;
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject'],
        Resource: [`${bucketArn}/${own}*`, `${bucketArn}/${shared}*`],
      },
      {
        Effect: 'Allow',
        Action: ['oss:ListObjects'],
        Resource: [bucketArn],
        Condition: { StringLike: { 'oss:Prefix': listPrefixes(scope) } },
      },
    ],
  };
};

/** AWS IAM session policy granting the same on S3. `partition` is `aws`, `aws-cn` or `aws-us-gov`. */
export const awsSessionPolicy = (scope: PolicyScope, partition = 'aws'): PolicyDocument => {
  const [own, shared] = workerPrefixes(scope) as [string, string];
  const bucketArn = `arn:${partition}:s3:::${scope.bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WorkerObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: [`${bucketArn}/${own}*`, `${bucketArn}/${shared}*`],
      },
      {
        Sid: 'WorkerList',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: { StringLike: { 's3:prefix': listPrefixes(scope) } },
      },
    ],
  };
};

/** Minified JSON; a policy over the STS limit is a configuration problem (a data root too long). */
export const serializePolicy = (policy: PolicyDocument): string => {
  const json = JSON.stringify(policy);
  if (json.length > MAX_SESSION_POLICY_CHARS) {
    throw new ConfigError(
      `the session policy is ${json.length} characters, over the STS limit of ${MAX_SESSION_POLICY_CHARS}: ` +
        'shorten the data root or the bucket name',
    );
  }
  return json;
};
