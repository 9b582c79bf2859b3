/**
 * The part of RAM / IAM policy evaluation the storage fakes need to honour an STS session policy: an action on a
 * resource is allowed only when some `Allow` statement names both (wildcards `*` and `?`, actions compared
 * without case) and its `StringLike` conditions, if any, hold for the request; anything else is an implicit deny.
 * No `Deny` statements, no other condition operators: the session policies the orchestrator issues use neither.
 *
 * The rules followed: "Policy elements" and "Policy evaluation logic" of RAM
 * (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements) and of IAM
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): a session policy
 * narrows the role's own permissions, and an action no statement allows is denied.
 */

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const wildcard = (pattern: string, flags = ''): RegExp =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    flags,
  );

const conditionsHold = (condition: Statement['Condition'], context: Record<string, string>): boolean =>
  Object.entries(condition ?? {}).every(([operator, keys]) => {
    if (operator !== 'StringLike') return false; // an operator this model does not know never grants access
    return Object.entries(keys).every(([key, values]) => {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      return actual !== undefined && list(values).some((v) => wildcard(v).test(actual));
    });
  });

/** Whether `policyJson` allows `action` on `resource`; `context` holds condition keys such as `oss:Prefix`. */
export function policyAllows(
  policyJson: string,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): boolean {
  const policy = JSON.parse(policyJson) as { Statement?: Statement[] };
  return (policy.Statement ?? []).some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => wildcard(a, 'i').test(action)) &&
      list(s.Resource).some((r) => wildcard(r).test(resource)) &&
      conditionsHold(s.Condition, context),
  );
}
