/**
 * The behaviour every STS `CredentialIssuer` adapter must show (the contract in `src/credentials/port.ts`), run
 * through each vendor's real SDK against its protocol-level fake of STS on 127.0.0.1. What stays vendor-specific
 * (the signature scheme, the policy's shape, OIDC, partitions, SDK retries) is tested beside the harness, in the
 * vendor's own test file.
 *
 * Each case starts a fresh fake that knows the harness's signing key, so `calls` counts only that case's requests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  CredentialIssuer,
  CredentialProvider,
  SigningCredentials,
  SigningCredentialsSource,
} from '../../src/credentials/port';
import { BackendError, BackendUnavailableError, ConfigError, ValidationError } from '../../src/errors';
import { caught, expectNoSecrets } from '../support/secret-checks';

/** What a fake STS answers instead of success: a refusal, throttling, a 500, or an answer that cannot be used. */
export type StsFailure = 'denied' | 'throttled' | 'internal' | 'garbage' | 'incomplete' | 'html';

/** A vendor's fake STS, seen through what the suite needs of it. */
export interface IssuerStsFake {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request that reached the fake: the key it was signed with once its signature checked out, and the token. */
  readonly calls: readonly { accessKeyId?: string | undefined; securityToken?: string | undefined }[];
  /** The secret and token of the credentials minted last, whether the answer delivered them whole or not. */
  minted(): (string | undefined)[];
  failNext(failure: StsFailure): void;
  close(): Promise<void>;
}

export interface IssuerHarness {
  /** Names the adapter in the suite's title. */
  label: string;
  /** The provider the issued credentials name, and every error message starts with. */
  provider: CredentialProvider;
  /** The temporary credentials the platform hands the function (an STS key plus its token). */
  signing: SigningCredentials & { securityToken: string };
  /** A fresh fake STS that accepts exactly these signing keys. */
  startSts(keys: SigningCredentials[]): Promise<IssuerStsFake>;
  /**
   * The issuer with a valid configuration for bucket `agents-data`, calling `stsEndpoint`, signing with
   * `credentials` (default: `signing`), under `dataRoot` (default: none).
   */
  issuer(settings: {
    stsEndpoint: string;
    credentials?: SigningCredentialsSource;
    dataRoot?: string;
  }): CredentialIssuer;
  /** Configurations that cannot work, each with the setting its ConfigError must name. */
  misconfigured: { setting: string; make: (stsEndpoint: string) => CredentialIssuer }[];
  /** The vendor's error codes for a refusal, throttling and a server fault, which the error message must name. */
  codes: { denied: string; throttled: string; internal: string };
  /** The whole message of a refusal (the request id's shape is the vendor's). */
  deniedMessage: RegExp;
  /** The Retry-After (seconds) the fake sends with throttling, when it sends one. */
  throttledRetryAfterSeconds?: number;
  /** What the health message names besides the bucket. */
  healthMentions: string[];
  /**
   * Cases where the vendor genuinely behaves otherwise (names from `ISSUER_CASES`), each with the reason shown in
   * the skipped title; what the vendor does instead is tested in its own file.
   */
  skip?: { reason: string; tests: string[] }[];
}

/** Case names, exported so adapters can name the ones they skip without retyping the sentence. */
export const ISSUER_CASES = {
  escapingNames: 'rejects names that try to escape their prefix before any request reaches STS',
  refusedDuration: 'rejects a duration STS would refuse before any request',
  denied:
    "reports the vendor's access-denied code as a 502 BackendError naming the provider and code, with no secret",
  throttled: 'reports throttling as a 503 BackendUnavailableError with Retry-After',
  internal: 'reports a 500 from STS as retryable (503)',
  garbage: 'reports a garbage answer as a 502 BackendError that quotes nothing of it',
  incomplete: 'reports an incomplete answer as a 502 BackendError that quotes nothing of it',
  html: 'reports an HTML answer as a 502 BackendError that quotes nothing of it',
  wrongSecret: 'is refused by STS when signed with the wrong secret, reported without either secret',
  unreachable: 'reports an unreachable endpoint as a 503 BackendUnavailableError',
  getter: 'asks a credentials getter for the signing key',
  rotation: 'asks a credentials getter on every call, so rotated function credentials are used',
  badSettings: 'names the missing or unusable setting',
  oversizedPolicy: 'fails at start when the data root makes the policy exceed 2048 characters',
  secretlessSigning: 'turns signing credentials without a secret into a configuration error at issue time',
  failingGetter: 'reports a failing credentials getter as retryable (503), making no call',
  health: 'reports its health without calling STS and without secrets',
} as const;

const UID = '3f2a9c1e-7b4d-4c2a-9e1f-0123456789ab';
const ALICE = { workerName: 'alice', uid: UID, durationSeconds: 3600 };
const ESCAPING_NAMES = ['a/../b', '*', 'alice*', 'Alice', '../shared', 'a?', '', 'a'.repeat(64)];
/** Below the 900 s both STS services require, and above the 12 h any role may allow. */
const REFUSED_DURATIONS = [600, 899, 43_201];
const MALFORMED = ['garbage', 'incomplete', 'html'] as const;

export function runIssuerSuite(h: IssuerHarness): void {
  const skipReason = (name: string) => h.skip?.find((entry) => entry.tests.includes(name))?.reason;
  const test = (name: string, fn: () => Promise<void>) => {
    const reason = skipReason(name);
    // A skipped case carries its reason in its title, so the report says why, not only that.
    it.skipIf(reason !== undefined)(reason === undefined ? name : `${name} (skipped: ${reason})`, fn);
  };
  const signingSecrets = [h.signing.accessKeySecret, h.signing.securityToken];

  describe(`${h.label} honours the credential-issuer contract`, () => {
    let sts: IssuerStsFake;
    const issuer = (credentials?: SigningCredentialsSource) =>
      h.issuer({ stsEndpoint: sts.url, ...(credentials ? { credentials } : {}) });

    beforeEach(async () => {
      sts = await h.startSts([h.signing]);
    });
    afterEach(() => sts.close());

    test(ISSUER_CASES.escapingNames, async () => {
      const subject = issuer();
      for (const workerName of ESCAPING_NAMES) {
        const error = await caught(subject.issue({ ...ALICE, workerName }));
        expect(error, workerName).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe('name');
      }
      expect(sts.calls).toHaveLength(0);
    });

    test(ISSUER_CASES.refusedDuration, async () => {
      for (const durationSeconds of REFUSED_DURATIONS) {
        const error = await caught(issuer().issue({ ...ALICE, durationSeconds }));
        expect(error, String(durationSeconds)).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe('duration_seconds');
      }
      expect(sts.calls).toHaveLength(0);
    });

    test(ISSUER_CASES.denied, async () => {
      sts.failNext('denied');
      const error = await caught(issuer().issue(ALICE));
      expect(error).toBeInstanceOf(BackendError);
      expect(error.status).toBe(502);
      expect(error.message).toContain(`${h.provider} STS AssumeRole failed: ${h.codes.denied} (HTTP 403,`);
      expect(error.message).toMatch(h.deniedMessage);
      expectNoSecrets(error, [...signingSecrets, ...sts.minted()]);
    });

    test(ISSUER_CASES.throttled, async () => {
      sts.failNext('throttled');
      const error = await caught(issuer().issue(ALICE));
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.status).toBe(503);
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      if (h.throttledRetryAfterSeconds !== undefined) {
        expect(error.retryAfterSeconds).toBe(h.throttledRetryAfterSeconds);
      }
      expect(error.message).toContain(h.codes.throttled);
      expectNoSecrets(error, signingSecrets);
    });

    test(ISSUER_CASES.internal, async () => {
      sts.failNext('internal');
      const error = await caught(issuer().issue(ALICE));
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toContain(h.codes.internal);
    });

    for (const failure of MALFORMED) {
      test(ISSUER_CASES[failure], async () => {
        sts.failNext(failure);
        const error = await caught(issuer().issue(ALICE));
        expect(error).toBeInstanceOf(BackendError);
        expect(error.message).toMatch(
          new RegExp(`^${h.provider} STS AssumeRole returned a malformed response`),
        );
        expectNoSecrets(error, [...sts.minted(), ...signingSecrets]);
      });
    }

    test(ISSUER_CASES.wrongSecret, async () => {
      const wrong = { ...h.signing, accessKeySecret: 'not-the-right-secret' };
      const error = await caught(issuer(wrong).issue(ALICE));
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toContain('SignatureDoesNotMatch');
      expect(sts.calls[0]!.accessKeyId).toBeUndefined();
      expectNoSecrets(error, [wrong.accessKeySecret, h.signing.securityToken]);
    });

    test(ISSUER_CASES.unreachable, async () => {
      const closedUrl = sts.url;
      await sts.close();
      const error = await caught(h.issuer({ stsEndpoint: closedUrl }).issue(ALICE));
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toContain('ECONNREFUSED');
      sts = await h.startSts([]);
    });

    test(ISSUER_CASES.getter, async () => {
      let asked = 0;
      const getter = async () => {
        asked++;
        return h.signing;
      };
      await issuer(getter).issue(ALICE);
      expect(asked).toBeGreaterThan(0);
      expect(sts.calls[0]!.accessKeyId).toBe(h.signing.accessKeyId);
    });

    test(ISSUER_CASES.rotation, async () => {
      const rotated = {
        accessKeyId: `${h.signing.accessKeyId}ROTATED`,
        accessKeySecret: 'rotated-secret',
        securityToken: 'rotated-token',
      };
      await sts.close();
      sts = await h.startSts([h.signing, rotated]);
      const rotation = [h.signing, rotated];
      const subject = issuer(async () => rotation.shift()!);
      await subject.issue(ALICE);
      await subject.issue(ALICE);
      expect(sts.calls.map((call) => [call.accessKeyId, call.securityToken])).toEqual([
        [h.signing.accessKeyId, h.signing.securityToken],
        [rotated.accessKeyId, rotated.securityToken],
      ]);
    });

    describe('configuration', () => {
      test(ISSUER_CASES.badSettings, async () => {
        for (const { setting, make } of h.misconfigured) {
          const construct = () => make(sts.url);
          expect(construct, setting).toThrow(ConfigError);
          expect(construct, setting).toThrow(setting);
        }
      });

      test(ISSUER_CASES.oversizedPolicy, async () => {
        const dataRoot = `${'r'.repeat(120)}/`.repeat(4);
        expect(() => h.issuer({ stsEndpoint: sts.url, dataRoot })).toThrow(ConfigError);
      });

      test(ISSUER_CASES.secretlessSigning, async () => {
        const subject = issuer(async () => ({ accessKeyId: h.signing.accessKeyId, accessKeySecret: '' }));
        const error = await caught(subject.issue(ALICE));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toContain('credentials');
        expect(sts.calls).toHaveLength(0);
        expect((await subject.health()).ok).toBe(false);
      });

      test(ISSUER_CASES.failingGetter, async () => {
        const subject = issuer(async () => {
          throw new Error(`the platform has no credentials for us ${h.signing.accessKeySecret}`);
        });
        const error = await caught(subject.issue(ALICE));
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expectNoSecrets(error, [h.signing.accessKeySecret]);
        expect(sts.calls).toHaveLength(0);
        expect((await subject.health()).ok).toBe(false);
      });

      test(ISSUER_CASES.health, async () => {
        const health = await issuer().health();
        expect(health).toEqual({ ok: true, message: expect.stringContaining('agents-data') });
        for (const mention of h.healthMentions) expect(health.message).toContain(mention);
        expect(health.message).not.toContain(h.signing.accessKeySecret);
        expect(health.message).not.toContain(h.signing.securityToken);
        expect(sts.calls).toHaveLength(0);
      });
    });
  });
}
