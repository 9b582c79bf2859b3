/**
 * The session policies grant a worker exactly its own prefix and the shared one.
 *
 * The generated documents are evaluated by a small policy evaluator written here (Allow statements, `*`/`?`
 * globs in actions, resources and `StringLike` values, a missing condition key failing the condition, as RAM and
 * IAM evaluate them), so the tests prove what the credentials can reach, not just what the JSON looks like.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aliyunSessionPolicy,
  assertWorkerName,
  awsSessionPolicy,
  MAX_SESSION_POLICY_CHARS,
  normalizeDataRoot,
  type PolicyDocument,
  serializePolicy,
  workerPrefixes,
} from '../../src/credentials/policy';
import { SESSION_NAME, sessionNameFor } from '../../src/credentials/session-name';
import { ConfigError, ValidationError } from '../../src/errors';

const globToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
    's',
  );
const glob = (pattern: string, value: string): boolean => globToRegExp(pattern).test(value);

/** Allowed iff some Allow statement matches the action, the resource and every condition. */
const allows = (
  doc: PolicyDocument,
  action: string,
  resource: string,
  context: Record<string, string> = {},
) =>
  doc.Statement.some((statement) => {
    if (statement.Effect !== 'Allow') return false;
    if (!statement.Action.some((a) => glob(a.toLowerCase(), action.toLowerCase()))) return false;
    if (!statement.Resource.some((r) => glob(r, resource))) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) => {
      if (operator !== 'StringLike') throw new Error(`evaluator does not know ${operator}`);
      return Object.entries(keys).every(([key, patterns]) => {
        // Condition keys are case-insensitive; an absent key fails a condition without IfExists.
        const value = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
        return value !== undefined && patterns.some((p) => glob(p, value));
      });
    });
  });

/** `[action, resource, request context]` as the policy engine sees a request. */
type Request = readonly [action: string, resource: string, context?: Record<string, string>];

/** A listing without a prefix has no prefix key at all in its request context. */
const prefixContext = (key: string, prefix?: string): Record<string, string> =>
  prefix === undefined ? {} : { [key]: prefix };

/** One flavour per provider: how a request for an object or a listing looks to its policy engine. */
interface Flavour {
  provider: string;
  build(name: string, root?: string): PolicyDocument;
  object(op: 'Get' | 'Put' | 'Delete', key: string, bucket?: string): Request;
  list(prefix?: string, bucket?: string): Request;
  other: Request;
}

const flavours: Flavour[] = [
  {
    provider: 'aliyun',
    build: (name, root = '') => aliyunSessionPolicy({ bucket: 'agents-data', root, name }),
    object: (op, key, bucket = 'agents-data') => [
      `oss:${op}Object`,
      `acs:oss:cn-hangzhou:1234567890123456:${bucket}/${key}`,
    ],
    list: (prefix, bucket = 'agents-data') => [
      'oss:ListObjects',
      `acs:oss:cn-hangzhou:1234567890123456:${bucket}`,
      prefixContext('oss:Prefix', prefix),
    ],
    other: ['oss:PutBucketPolicy', 'acs:oss:cn-hangzhou:1234567890123456:agents-data'],
  },
  {
    provider: 'aws',
    build: (name, root = '') => awsSessionPolicy({ bucket: 'agents-data', root, name }),
    object: (op, key, bucket = 'agents-data') => [`s3:${op}Object`, `arn:aws:s3:::${bucket}/${key}`],
    list: (prefix, bucket = 'agents-data') => [
      's3:ListBucket',
      `arn:aws:s3:::${bucket}`,
      prefixContext('s3:prefix', prefix),
    ],
    other: ['s3:PutBucketPolicy', 'arn:aws:s3:::agents-data'],
  },
];

const ops = ['Get', 'Put', 'Delete'] as const;

describe('the Alibaba and AWS session policies are the documented documents', () => {
  it('builds the RAM policy for worker alice (own prefix read-write, shared/ read-only), minified', () => {
    const doc = aliyunSessionPolicy({ bucket: 'agents-data', root: '', name: 'alice' });
    expect(doc).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject'],
          Resource: ['acs:oss:*:*:agents-data/agents/alice/*', 'acs:oss:*:*:agents-data/shared/*'],
        },
        {
          Effect: 'Allow',
          Action: ['oss:ListObjects'],
          Resource: ['acs:oss:*:*:agents-data'],
          Condition: {
            StringLike: { 'oss:Prefix': ['agents/alice/', 'agents/alice/*', 'shared/', 'shared/*'] },
          },
        },
      ],
    });
    const json = serializePolicy(doc);
    expect(json).not.toMatch(/\s/);
    expect(JSON.parse(json)).toEqual(doc);
  });

  it('builds the equivalent S3 policy, in the partition it is given', () => {
    const doc = awsSessionPolicy({ bucket: 'agents-data', root: 'team-1/', name: 'alice' }, 'aws-cn');
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement.map(({ Action, Resource, Condition }) => ({ Action, Resource, Condition }))).toEqual(
      [
        {
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: [
            'arn:aws-cn:s3:::agents-data/team-1/agents/alice/*',
            'arn:aws-cn:s3:::agents-data/team-1/shared/*',
          ],
          Condition: undefined,
        },
        {
          Action: ['s3:ListBucket'],
          Resource: ['arn:aws-cn:s3:::agents-data'],
          Condition: {
            StringLike: {
              's3:prefix': [
                'team-1/agents/alice/',
                'team-1/agents/alice/*',
                'team-1/shared/',
                'team-1/shared/*',
              ],
            },
          },
        },
      ],
    );
  });

  it('reports the prefixes the credentials reach', () => {
    expect(workerPrefixes({ root: 'team-1/', name: 'alice' })).toEqual([
      'team-1/agents/alice/',
      'team-1/shared/',
    ]);
  });

  it('stays under the STS limit for the longest worker name', () => {
    const longest = serializePolicy(
      aliyunSessionPolicy({ bucket: 'b'.repeat(63), root: '', name: 'a'.repeat(63) }),
    );
    expect(longest.length).toBeLessThanOrEqual(MAX_SESSION_POLICY_CHARS);
  });

  it('refuses to serialize a policy over 2048 characters, naming what to shorten', () => {
    const root = normalizeDataRoot(`${'r'.repeat(200)}/`.repeat(3), 'dataRoot');
    expect(() => serializePolicy(awsSessionPolicy({ bucket: 'agents-data', root, name: 'alice' }))).toThrow(
      /data root/,
    );
  });
});

describe.each(flavours)('the $provider policy evaluated grants exactly the worker prefixes', (f) => {
  const a = f.build('a');

  it('lets worker a read, write and delete under agents/a/ and shared/', () => {
    for (const op of ops) {
      expect(allows(a, ...f.object(op, 'agents/a/x'))).toBe(true);
      expect(allows(a, ...f.object(op, 'agents/a/deep/er/file.json'))).toBe(true);
      expect(allows(a, ...f.object(op, 'shared/x'))).toBe(true);
    }
  });

  it('never lets worker a reach agents/ab/, agents/b/ or agents/a without its slash', () => {
    for (const op of ops) {
      for (const key of [
        'agents/ab/x',
        'agents/ab/',
        'agents/b/x',
        'agents/a',
        'agents/a-b/x',
        'agents/x/a/',
      ]) {
        expect(allows(a, ...f.object(op, key)), `${op} ${key}`).toBe(false);
      }
    }
    expect(allows(a, ...f.list('agents/ab/'))).toBe(false);
    expect(allows(a, ...f.list('agents/a'))).toBe(false);
  });

  it('keeps worker a out of the orchestrator state and of other buckets', () => {
    for (const key of ['workers/a.json', 'secrets/a/u1.json', 'beats/a', 'sharedx/y', 'x/shared/y']) {
      expect(allows(a, ...f.object('Get', key)), key).toBe(false);
    }
    expect(allows(a, ...f.object('Get', 'agents/a/x', 'other-bucket'))).toBe(false);
    expect(allows(a, ...f.list('agents/a/', 'other-bucket'))).toBe(false);
    expect(allows(a, ...f.other)).toBe(false);
  });

  it('lists agents/a/ and shared/ but refuses the bucket root, no prefix and agents/', () => {
    expect(allows(a, ...f.list('agents/a/'))).toBe(true);
    expect(allows(a, ...f.list('agents/a/sub/'))).toBe(true);
    expect(allows(a, ...f.list('shared/'))).toBe(true);
    expect(allows(a, ...f.list('shared/notes'))).toBe(true);
    expect(allows(a, ...f.list(''))).toBe(false);
    expect(allows(a, ...f.list())).toBe(false);
    expect(allows(a, ...f.list('agents/'))).toBe(false);
    expect(allows(a, ...f.list('shared'))).toBe(false);
  });

  it('puts the data root in front of every grant', () => {
    const rooted = f.build('a', 'team-1/');
    expect(allows(rooted, ...f.object('Get', 'team-1/agents/a/x'))).toBe(true);
    expect(allows(rooted, ...f.object('Get', 'team-1/shared/x'))).toBe(true);
    expect(allows(rooted, ...f.object('Get', 'agents/a/x'))).toBe(false);
    expect(allows(rooted, ...f.list('team-1/agents/a/'))).toBe(true);
    expect(allows(rooted, ...f.list('agents/a/'))).toBe(false);
  });

  it("never grants worker a any key or listing under another worker's prefix (property)", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/);
    // Biased towards the dangerous pairs: one name a prefix of the other.
    const pair = fc.oneof(
      fc.tuple(name, name),
      fc
        .tuple(name, fc.stringMatching(/^[a-z0-9-]{1,10}$/))
        .map(([x, tail]) => [x, `${x}${tail}`.slice(0, 63)]),
      fc
        .tuple(name, fc.stringMatching(/^[a-z0-9-]{1,10}$/))
        .map(([x, tail]) => [`${x}${tail}`.slice(0, 63), x]),
    );
    const root = fc.constantFrom('', 'team-1/', 'r/s/');
    fc.assert(
      fc.property(pair, root, fc.string(), (names, dataRoot, suffix) => {
        const [nameA, nameB] = names as [string, string];
        fc.pre(nameA !== nameB);
        const policy = f.build(nameA, dataRoot);
        const foreign = `${dataRoot}agents/${nameB}/${suffix}`;
        for (const op of ops) expect(allows(policy, ...f.object(op, foreign))).toBe(false);
        expect(allows(policy, ...f.list(foreign))).toBe(false);
        // The evaluator is not refusing everything: the worker's own key under the same suffix is granted.
        expect(allows(policy, ...f.object('Get', `${dataRoot}agents/${nameA}/${suffix}`))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('worker names are validated as DNS labels before any policy is built', () => {
  const escaping = [
    '',
    'a/../b',
    '../a',
    'a/b',
    '*',
    'a*',
    'a?',
    'A',
    'Alice',
    '1a',
    '-a',
    'a b',
    'a.b',
    'a\u0000',
    'аlice', // Cyrillic а
    'a'.repeat(64),
  ];

  it.each(escaping)('rejects %j with a ValidationError naming the field', (name) => {
    for (const build of [
      () => aliyunSessionPolicy({ bucket: 'agents-data', root: '', name }),
      () => awsSessionPolicy({ bucket: 'agents-data', root: '', name }),
      () => sessionNameFor(name, '3f2a9c1e-0000-4000-8000-000000000000'),
    ]) {
      const error = (() => {
        try {
          build();
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('name');
    }
  });

  it('accepts 1 to 63 lowercase letters, digits and hyphens starting with a letter', () => {
    for (const name of ['a', 'a1', 'alice-2', `a${'b'.repeat(62)}`])
      expect(() => assertWorkerName(name)).not.toThrow();
  });

  it('rejects data roots with wildcards or dot segments as configuration errors', () => {
    for (const root of ['a*', '../x', 'a/../b', 'a?b', './x', 'a b']) {
      expect(() => normalizeDataRoot(root, 'dataRoot'), root).toThrow(ConfigError);
    }
    expect(normalizeDataRoot('/team-1', 'dataRoot')).toBe('team-1/');
    expect(normalizeDataRoot(undefined, 'dataRoot')).toBe('');
  });
});

describe('the STS session name is w-<name[:40]>-<uid[:8]>', () => {
  it('names the worker and its incarnation', () => {
    expect(sessionNameFor('alice', '3f2a9c1e-7b4d-4c2a-9e1f-000000000000')).toBe('w-alice-3f2a9c1e');
  });

  it('cuts long names at 40 characters and fits the STS format for every valid name (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/), fc.uuid(), (name, uid) => {
        const session = sessionNameFor(name, uid);
        expect(session).toMatch(SESSION_NAME);
        expect(session).toBe(`w-${name.slice(0, 40)}-${uid.replace(/-/g, '').slice(0, 8)}`);
      }),
    );
  });

  it('rejects a uid STS would refuse', () => {
    expect(() => sessionNameFor('alice', '')).toThrow(ValidationError);
    expect(() => sessionNameFor('alice', 'a/b*')).toThrow(ValidationError);
  });
});
