/**
 * One HTTP request to a custom domain, as a client on the internet makes it. `SMOKE_FC_PROBE_VIA` (a base URL,
 * e.g. `http://<account>.<region>.fc.aliyuncs.com`) sends it there with the domain as its `Host` instead of
 * resolving the domain: FC routes by `Host`, so the layout can be checked before DNS has caught up.
 *
 * @module
 */
import { request } from 'node:http';

export interface ProbeAnswer {
  status: number;
  body: string;
}

export function probe(domain: string, path: string, via?: string): Promise<ProbeAnswer> {
  const target = new URL(via ?? `http://${domain}`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port || 80,
        path,
        method: 'GET',
        headers: { host: domain },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').trim() }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('probe timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
