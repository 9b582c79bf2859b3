/**
 * `npm run bench:soak`: the emulator under sustained heartbeats. Starts the real emulator (Node front door →
 * miniflare/workerd → R2 on disk, the fake backend so no engine is needed), creates a few workers, then sends
 * `POST /workers/{name}/ready` heartbeats from several concurrent callers and samples the workerd process: its
 * resident memory (RSS, from /proc) and its CPU time, so the figures are workerd's own, not this process's.
 *
 * "Flat" means: RSS at the end, after an idle pause, is within `--flat-mb` (default 64 MB) of RSS after warm-up.
 * workerd cannot be told to collect garbage from outside; the idle pause lets V8's idle-time collection run.
 *
 *   npm run bench:soak                           # 20,000 heartbeats
 *   npm run bench:soak -- --requests 200000      # the long soak
 *   npm run bench:soak -- --concurrency 16 --workers 50 --idle-seconds 20
 *
 * Exits 1 when a heartbeat failed or the memory did not end flat. Linux only (it reads /proc).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../../infra/emulator/emulator';
import { printTable } from './measure';

export interface SoakOptions {
  /** `heartbeat` (the default) or `healthz`: a route whose one store read is cached, to tell the store's share apart. */
  route: 'heartbeat' | 'healthz';
  requests: number;
  concurrency: number;
  workers: number;
  /** Requests before the baseline is taken (allocations that only happen once are done by then). */
  warmup: number;
  idleSeconds: number;
  flatMb: number;
}

export interface SoakSample {
  requests: number;
  rss_mb: number;
  workerd_cpu_ms_per_request: number;
  node_cpu_ms_per_request: number;
  requests_per_s: number;
}

export interface SoakResult {
  options: SoakOptions;
  errors: number;
  first_error?: string;
  rss_after_warmup_mb: number;
  rss_peak_mb: number;
  rss_after_soak_mb: number;
  rss_after_idle_mb: number;
  growth_mb: number;
  /** RSS after idle minus RSS halfway through: near 0 when the memory has reached a plateau rather than a leak. */
  second_half_growth_mb: number;
  flat: boolean;
  workerd_cpu_ms_per_request: number;
  node_cpu_ms_per_request: number;
  requests_per_s: number;
  samples: SoakSample[];
}

const PAGE_SIZE = 4096;
const TICKS_PER_SECOND = 100;

/** Every descendant of `root` whose command name is `name` (miniflare spawns workerd as its child). */
async function findDescendant(root: number, name: string): Promise<number | undefined> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may itself contain spaces or parentheses.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
    } catch {
      // The process ended while we looked.
    }
  }
  for (const [pid, command] of names) {
    if (command !== name) continue;
    for (let up = parents.get(pid); up !== undefined && up > 1; up = parents.get(up)) {
      if (up === root) return pid;
    }
  }
  return undefined;
}

/** Resident memory (MB) and CPU time (ms, user + system) of a process. */
async function processUsage(pid: number): Promise<{ rssMb: number; cpuMs: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name, 0-based: utime 11, stime 12, rss (pages) 21.
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  const rssMb = (Number(fields[21]) * PAGE_SIZE) / (1024 * 1024);
  return { rssMb: Math.round(rssMb * 10) / 10, cpuMs };
}

const nodeCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export async function benchSoak(options: SoakOptions): Promise<SoakResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-soak-'));
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    socketPath: '/nonexistent/docker.sock',
    sweepIntervalSeconds: 0,
    vars: { BACKENDS: 'fake' },
    onLog: () => undefined,
  });
  try {
    const workerd = await findDescendant(process.pid, 'workerd');
    if (workerd === undefined) throw new Error('no workerd process found under this one');
    const manager = { authorization: `Bearer ${emulator.managerKey}`, 'content-type': 'application/json' };
    const keys: { name: string; key: string }[] = [];
    for (let i = 0; i < options.workers; i++) {
      const name = `soak-${i}`;
      const response = await fetch(`${emulator.url}/workers`, {
        method: 'POST',
        headers: manager,
        body: JSON.stringify({ name, image: 'soak:latest' }),
      });
      const body = (await response.json()) as { api_key?: string };
      if (response.status !== 201 || !body.api_key) {
        throw new Error(`creating ${name} answered ${response.status}: ${JSON.stringify(body)}`);
      }
      keys.push({ name, key: body.api_key });
    }

    let sent = 0;
    let errors = 0;
    let firstError: string | undefined;
    const beat = async () => {
      const { name, key } = keys[sent % keys.length]!;
      sent++;
      try {
        const response =
          options.route === 'heartbeat'
            ? await fetch(`${emulator.url}/workers/${name}/ready`, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                body: '{}',
              })
            : await fetch(`${emulator.url}/healthz`);
        await response.arrayBuffer();
        if (response.status !== (options.route === 'heartbeat' ? 204 : 200)) {
          errors++;
          firstError ??= `HTTP ${response.status}`;
        }
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    };
    /** Sends `count` heartbeats, `concurrency` at a time. */
    const run = async (count: number) => {
      const target = sent + count;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (sent < target) await beat();
        }),
      );
    };

    await run(options.warmup);
    const baseline = await processUsage(workerd);
    let peak = baseline.rssMb;
    const samples: SoakSample[] = [];
    const soakStart = { at: performance.now(), workerdCpu: baseline.cpuMs, nodeCpu: nodeCpuMs(), sent };
    const step = Math.max(1000, Math.ceil(options.requests / 10));
    let done = 0;
    while (done < options.requests) {
      const chunk = Math.min(step, options.requests - done);
      const before = { at: performance.now(), usage: await processUsage(workerd), node: nodeCpuMs() };
      await run(chunk);
      done += chunk;
      const after = await processUsage(workerd);
      const seconds = (performance.now() - before.at) / 1000;
      peak = Math.max(peak, after.rssMb);
      // A long soak takes many minutes: say how it goes meanwhile.
      process.stderr.write(`soak: ${done} requests, workerd RSS ${after.rssMb} MB, ${errors} errors\n`);
      samples.push({
        requests: done,
        rss_mb: after.rssMb,
        workerd_cpu_ms_per_request: round((after.cpuMs - before.usage.cpuMs) / chunk),
        node_cpu_ms_per_request: round((nodeCpuMs() - before.node) / chunk),
        requests_per_s: Math.round(chunk / seconds),
      });
    }
    const end = await processUsage(workerd);
    const soakSeconds = (performance.now() - soakStart.at) / 1000;
    const soakNodeCpu = nodeCpuMs() - soakStart.nodeCpu;
    await new Promise((resolve) => setTimeout(resolve, options.idleSeconds * 1000));
    const idle = await processUsage(workerd);
    const growth = Math.round((idle.rssMb - baseline.rssMb) * 10) / 10;
    const halfway = samples[Math.floor((samples.length - 1) / 2)]?.rss_mb ?? baseline.rssMb;
    return {
      options,
      errors,
      ...(firstError ? { first_error: firstError } : {}),
      rss_after_warmup_mb: baseline.rssMb,
      rss_peak_mb: peak,
      rss_after_soak_mb: end.rssMb,
      rss_after_idle_mb: idle.rssMb,
      growth_mb: growth,
      second_half_growth_mb: Math.round((idle.rssMb - halfway) * 10) / 10,
      flat: growth <= options.flatMb,
      workerd_cpu_ms_per_request: round((end.cpuMs - soakStart.workerdCpu) / options.requests),
      node_cpu_ms_per_request: round(soakNodeCpu / options.requests),
      requests_per_s: Math.round(options.requests / soakSeconds),
      samples,
    };
  } finally {
    await emulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function soakOptionsFromArgs(args: string[]): SoakOptions {
  const { values } = parseArgs({
    args,
    options: {
      route: { type: 'string', default: 'heartbeat' },
      requests: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '16' },
      workers: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '3000' },
      'idle-seconds': { type: 'string', default: '15' },
      'flat-mb': { type: 'string', default: '64' },
    },
  });
  const int = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer ≥ ${min}, got ${value}`);
    return n;
  };
  if (values.route !== 'heartbeat' && values.route !== 'healthz') {
    throw new Error(`--route must be heartbeat or healthz, got ${values.route}`);
  }
  return {
    route: values.route,
    requests: int('requests', values.requests, 1),
    concurrency: int('concurrency', values.concurrency, 1),
    workers: int('workers', values.workers, 1),
    warmup: int('warmup', values.warmup, 0),
    idleSeconds: int('idle-seconds', values['idle-seconds'], 0),
    flatMb: int('flat-mb', values['flat-mb'], 0),
  };
}

export function printSoak(result: SoakResult): void {
  printTable('Emulator soak: heartbeats through the front door, workerd sampled', result.samples as never);
  const { samples: _samples, options: _options, ...summary } = result;
  printTable('Emulator soak: summary (flat = RSS after idle within --flat-mb of after warm-up)', [summary]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchSoak(soakOptionsFromArgs(process.argv.slice(2)));
  printSoak(result);
  console.log('\nJSON');
  console.log(JSON.stringify(result, null, 2));
  process.exit(result.errors === 0 && result.flat ? 0 : 1);
}
