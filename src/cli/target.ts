/**
 * Which orchestrator to talk to, and with which key. In order: the `--url` and `--key-file` flags, then
 * `ORCHESTRATOR_URL` / `ORCHESTRATOR_KEY`, then HiClaw's `HICLAW_CONTROLLER_URL` / `HICLAW_AUTH_TOKEN` (or
 * `HICLAW_AUTH_TOKEN_FILE`), and last a local emulator: the URL it records in `<data dir>/url` (default
 * http://127.0.0.1:8787) and its `<data dir>/manager-key`, the data dir being `EMULATOR_DATA_DIR` or `.data`.
 * So `npm start`, then `npx orchestrator workers list` in the same checkout, just works.
 *
 * The emulator's manager key goes only to the URL the emulator recorded, only on loopback, and only while the
 * emulator that recorded it runs. Without that record (no emulator ran, or it stopped cleanly) or with a stale one
 * (it crashed), nothing says that whatever answers on that port is the emulator, so no key is sent and the CLI
 * asks for ORCHESTRATOR_URL and ORCHESTRATOR_KEY instead.
 *
 * Keys are never taken from the command line: arguments are visible to every user in `ps` and kept in shell history.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CliError, EXIT } from './exit';
import type { CliIo } from './io';

/** `npm start`'s default listener (infra/emulator/options.ts). */
export const DEFAULT_EMULATOR_URL = 'http://127.0.0.1:8787';
/**
 * The files the emulator keeps in its data dir (infra/emulator/url-file.ts and manager-key.ts). `url` holds the
 * URL, then the emulator's process id.
 */
const URL_FILE = 'url';
const MANAGER_KEY_FILE = 'manager-key';

export interface Target {
  url: string;
  key: string | undefined;
  /** Where the key came from, for messages (never the key itself). */
  keySource: string;
}

export interface TargetFlags {
  url?: string | undefined;
  keyFile?: string | undefined;
}

const readTrimmed = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
};

const set = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/** Loopback only: the emulator's manager key is never sent to a URL that someone else's machine may answer. */
const isLoopbackUrl = (url: string): boolean => {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
};

/** The same origin and path, however written (`http://127.0.0.1:8787` and `http://127.0.0.1:8787/` are one). */
const sameUrl = (a: string, b: string): boolean => {
  try {
    return new URL(a).href.replace(/\/+$/, '') === new URL(b).href.replace(/\/+$/, '');
  } catch {
    return false;
  }
};

/** The URL a running emulator recorded, and whether the process that recorded it is still alive. */
function readRecord(path: string): { url: string; live: boolean } | undefined {
  const [url, pid] = (readTrimmed(path) ?? '').split('\n').map((line) => line.trim());
  if (!url) return undefined;
  return { url, live: pid !== undefined && /^\d+$/.test(pid) && isAlive(Number(pid)) };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function resolveTarget(io: CliIo, flags: TargetFlags): Target {
  const dataDir = set(io.env.EMULATOR_DATA_DIR) ?? '.data';
  const inData = (file: string) => (isAbsolute(dataDir) ? join(dataDir, file) : join(io.cwd, dataDir, file));
  const record = readRecord(inData(URL_FILE));
  const url =
    set(flags.url) ??
    set(io.env.ORCHESTRATOR_URL) ??
    set(io.env.HICLAW_CONTROLLER_URL) ??
    record?.url ??
    DEFAULT_EMULATOR_URL;
  if (!/^https?:\/\//.test(url))
    throw new CliError(`the orchestrator URL must start with http:// or https://`, EXIT.usage);

  if (flags.keyFile) {
    const key = readTrimmed(flags.keyFile);
    if (!key) throw new CliError(`cannot read a key from --key-file ${flags.keyFile}`, EXIT.usage);
    return { url, key, keySource: `--key-file ${flags.keyFile}` };
  }
  for (const name of ['ORCHESTRATOR_KEY', 'HICLAW_AUTH_TOKEN'] as const) {
    const key = set(io.env[name]);
    if (key) return { url, key, keySource: name };
  }
  const tokenFile = set(io.env.HICLAW_AUTH_TOKEN_FILE);
  if (tokenFile) {
    const key = readTrimmed(tokenFile);
    if (!key) throw new CliError(`cannot read a key from HICLAW_AUTH_TOKEN_FILE (${tokenFile})`, EXIT.usage);
    return { url, key, keySource: 'HICLAW_AUTH_TOKEN_FILE' };
  }
  const emulatorKey =
    record?.live && sameUrl(url, record.url) && isLoopbackUrl(url)
      ? readTrimmed(inData(MANAGER_KEY_FILE))
      : undefined;
  if (emulatorKey) return { url, key: emulatorKey, keySource: `${dataDir}/${MANAGER_KEY_FILE}` };
  return { url, key: undefined, keySource: 'none' };
}
