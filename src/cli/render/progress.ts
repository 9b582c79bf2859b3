/**
 * The line shown on stderr while the CLI waits for a worker to be ready: its phase, the reason, and how long it
 * has been. On a terminal it is rewritten in place and ticks every second; elsewhere (a pipe, CI, a test) a line is
 * written each time the phase or reason changes, so logs show the steps without a line per poll.
 *
 * @module
 */
import type { Worker } from '../../client';
import type { Output } from '../io';
import { duration } from './table';
import { printable } from './terminal-safe';

const TICK_MS = 1000;
const CLEAR_LINE = '\r\u001b[2K';

export interface Progress {
  update(worker: Worker): void;
  /** Ends the line; `message` (e.g. "ready after 4s") replaces it. */
  done(message: string): void;
}

export function startProgress(out: Output, name: string): Progress {
  const started = Date.now();
  let state = 'waiting';
  let lastWritten = '';
  const line = () => `waiting for ${name}: ${state} ${duration(Date.now() - started)}`;
  const timer = out.isTTY ? setInterval(() => out.write(`${CLEAR_LINE}${line()}`), TICK_MS) : undefined;
  if (out.isTTY) out.write(line());
  return {
    update(worker) {
      // Ready is said by `done`, with the time it took.
      if (worker.phase === 'ready') return;
      state = printable(`${worker.phase} (${worker.reason})`);
      if (out.isTTY) out.write(`${CLEAR_LINE}${line()}`);
      else if (state !== lastWritten) {
        lastWritten = state;
        out.write(`${line()}\n`);
      }
    },
    done(message) {
      clearInterval(timer);
      out.write(out.isTTY ? `${CLEAR_LINE}${message}\n` : `${message}\n`);
    },
  };
}

export const elapsedSince = (started: number): string => duration(Date.now() - started);
