/**
 * The options `workers create` and `workers update` share (image, env, labels, policies, resources, a raw body), and
 * how they become request fields. Also the one way a returned worker key is printed.
 *
 * @module
 */
import type { Command } from 'commander';
import { collect, defined, envFile, integer, pairs } from '../../flags';

/** Keys are printed only where the API returns them, which it does once; this says so beside the key. */
export const keyLine = (key: string) =>
  `api_key: ${key}\n  (shown once: the orchestrator keeps only its hash)\n`;

export interface SpecOptions {
  image?: string;
  env?: string[];
  envFile?: string;
  label?: string[];
  idleTimeout?: string;
  ttl?: string;
  expiresAt?: string;
  cpu?: string;
  memory?: string;
  scheduleWake?: string;
  scheduleSleep?: string;
  scheduleZone?: string;
  body?: string;
}

/** `--schedule-wake/--schedule-sleep/--schedule-zone` as the `schedule` field (the whole schedule: it is replaced). */
export const schedule = (options: SpecOptions) => {
  const fields = defined({
    wake: options.scheduleWake,
    sleep: options.scheduleSleep,
    time_zone: options.scheduleZone,
  });
  return Object.keys(fields).length ? fields : undefined;
};

export const resources = (options: SpecOptions) => {
  const fields = defined({
    cpu_millicores: integer('--cpu', options.cpu),
    memory_mb: integer('--memory', options.memory),
  });
  return Object.keys(fields).length ? fields : undefined;
};

export const env = (options: SpecOptions) => {
  const merged = { ...envFile(options.envFile), ...pairs('--env', options.env) };
  return Object.keys(merged).length ? merged : undefined;
};

export const withSpecOptions = (command: Command) =>
  command
    .option('--image <ref>', 'container image')
    .option(
      '--env <KEY=VALUE>',
      'an env variable (repeatable); visible in ps: prefer --env-file for secrets',
      collect,
    )
    .option('--env-file <path>', 'env variables from KEY=VALUE lines')
    .option('--label <key=value>', 'a label (repeatable)', collect)
    .option('--idle-timeout <seconds>', 'sleep after this long without activity (0 = never)')
    .option('--ttl <seconds>', 'delete this long after creation')
    .option('--cpu <millicores>', 'CPU, in thousandths of a core')
    .option('--memory <mb>', 'memory, in MB')
    .option('--schedule-wake <cron>', "wake at these times, e.g. '0 9 * * 1-5' (five cron fields)")
    .option('--schedule-sleep <cron>', "sleep at these times, e.g. '0 19 * * 1-5'")
    .option('--schedule-zone <iana>', 'the time zone of the schedule, e.g. Europe/Berlin (default UTC)')
    .option('--body <json>', 'any other fields of the request body, as a JSON object (the flags win)');
