/**
 * The list prices the bench's cost model multiplies measured operations by: one table, which the README's price
 * table is generated from and checked against (`prices.test.ts`). USD, pay-as-you-go, no free tier applied. A
 * price whose list page was not at hand is marked `assumed`; replace it (and its source) when it is.
 */

export interface Price {
  id: PriceId;
  cloud: 'AWS' | 'Alibaba Cloud';
  item: string;
  /** USD per `per` units of `unit`. */
  usd: number;
  per: number;
  unit: string;
  source: string;
  /** When the source was read, or `assumed`. */
  as_of: string;
}

export type PriceId =
  | 's3_get'
  | 's3_put_list'
  | 'lambda_request'
  | 'lambda_arm_gb_second'
  | 'apigw_http_request'
  | 'lambda_url_request'
  | 'fc_cu'
  | 'fc_cu_per_10k_invocations'
  | 'fc_cu_per_vcpu_second'
  | 'fc_cu_per_gb_second'
  | 'fc_http_trigger_request'
  | 'oss_get'
  | 'oss_put';

const AWS_S3 =
  'https://aws.amazon.com/s3/pricing/ (S3 Standard, us-east-1; LIST is billed as a PUT-class request)';
const AWS_LAMBDA = 'https://aws.amazon.com/lambda/pricing/ (us-east-1, Arm, first 7.5 billion GB-s)';
const FC_PAYG =
  'https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1 (FC 3.0, tier 1, updated Aug 27, 2024)';

export const PRICES: readonly Price[] = [
  {
    id: 's3_get',
    cloud: 'AWS',
    item: 'S3 GET request',
    usd: 0.0004,
    per: 1_000,
    unit: 'requests',
    source: AWS_S3,
    as_of: '2026-12',
  },
  {
    id: 's3_put_list',
    cloud: 'AWS',
    item: 'S3 PUT or LIST request (DELETE is free)',
    usd: 0.005,
    per: 1_000,
    unit: 'requests',
    source: AWS_S3,
    as_of: '2026-12',
  },
  {
    id: 'lambda_request',
    cloud: 'AWS',
    item: 'Lambda request',
    usd: 0.2,
    per: 1_000_000,
    unit: 'requests',
    source: AWS_LAMBDA,
    as_of: '2026-12',
  },
  {
    id: 'lambda_arm_gb_second',
    cloud: 'AWS',
    item: 'Lambda duration, arm64',
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-second',
    source: AWS_LAMBDA,
    as_of: '2026-12',
  },
  {
    id: 'apigw_http_request',
    cloud: 'AWS',
    item: 'API Gateway HTTP API request',
    usd: 1.0,
    per: 1_000_000,
    unit: 'requests',
    source: 'https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs, first 300 million)',
    as_of: '2026-12',
  },
  {
    id: 'lambda_url_request',
    cloud: 'AWS',
    item: 'Lambda function URL request',
    usd: 0,
    per: 1_000_000,
    unit: 'requests',
    source: 'https://aws.amazon.com/lambda/pricing/ (function URLs carry no charge beyond the invocation)',
    as_of: '2026-12',
  },
  {
    id: 'fc_cu',
    cloud: 'Alibaba Cloud',
    item: 'FC compute unit (CU)',
    usd: 0.00002,
    per: 1,
    unit: 'CU',
    source: FC_PAYG,
    as_of: '2024-08-27',
  },
  {
    id: 'fc_cu_per_10k_invocations',
    cloud: 'Alibaba Cloud',
    item: 'FC invocations, in CU',
    usd: 75,
    per: 10_000,
    unit: 'invocations (CU, not USD)',
    source: FC_PAYG,
    as_of: '2024-08-27',
  },
  {
    id: 'fc_cu_per_vcpu_second',
    cloud: 'Alibaba Cloud',
    item: 'FC active vCPU, in CU',
    usd: 1,
    per: 1,
    unit: 'vCPU-second (CU, not USD)',
    source: FC_PAYG,
    as_of: '2024-08-27',
  },
  {
    id: 'fc_cu_per_gb_second',
    cloud: 'Alibaba Cloud',
    item: 'FC memory, in CU',
    usd: 0.15,
    per: 1,
    unit: 'GB-second (CU, not USD)',
    source: FC_PAYG,
    as_of: '2024-08-27',
  },
  {
    id: 'fc_http_trigger_request',
    cloud: 'Alibaba Cloud',
    item: 'FC HTTP trigger request',
    usd: 0,
    per: 1_000_000,
    unit: 'requests',
    source: 'no trigger fee beyond the invocation (outbound traffic aside)',
    as_of: 'assumed',
  },
  {
    id: 'oss_get',
    cloud: 'Alibaba Cloud',
    item: 'OSS GET-class request',
    usd: 0.0012,
    per: 10_000,
    unit: 'requests',
    source:
      'https://www.alibabacloud.com/help/en/oss/api-operation-calling-fees (billed per 10,000 calls; unit price not at hand)',
    as_of: 'assumed',
  },
  {
    id: 'oss_put',
    cloud: 'Alibaba Cloud',
    item: 'OSS PUT-class request (PUT, DELETE; LIST is GET-class on OSS)',
    usd: 0.0012,
    per: 10_000,
    unit: 'requests',
    source:
      'https://www.alibabacloud.com/help/en/oss/api-operation-calling-fees (billed per 10,000 calls; unit price not at hand)',
    as_of: 'assumed',
  },
];

export function price(id: PriceId): number {
  const row = PRICES.find((p) => p.id === id);
  if (!row) throw new Error(`no price ${id}`);
  return row.usd / row.per;
}

const number = (n: number) => (n >= 1 ? String(n) : n.toPrecision(3).replace(/0+$/, '').replace(/\.$/, ''));

/** The README's price table (between its `prices:begin` and `prices:end` markers), generated from `PRICES`. */
export function priceTableMarkdown(): string {
  const rows = PRICES.map(
    (p) =>
      `| ${p.cloud} | ${p.item} | ${number(p.usd)} per ${p.per.toLocaleString('en-US')} ${p.unit} | ${p.source} | ${p.as_of} |`,
  );
  return ['| Cloud | Item | Price (USD) | Source | As of |', '|---|---|---|---|---|', ...rows].join('\n');
}
