/**
 * `--watch`: read again every few seconds and show what changed, until Ctrl-C (exit 0). On a terminal the screen is
 * redrawn; elsewhere a snapshot is appended only when it differs from the last one (with `--json`, one JSON
 * document per line), so a log or a script sees each change once.
 *
 * @module
 */
import { handleInterrupts } from './interrupt';
import type { CliIo } from './io';
import { printableText } from './render/terminal-safe';

const CLEAR_SCREEN = '\u001b[H\u001b[2J';

export async function watch(
  io: CliIo,
  intervalSeconds: number,
  json: boolean,
  read: () => Promise<{ data: unknown; human: string }>,
): Promise<void> {
  let last: string | undefined;
  // Ctrl-C ends the watch after the read in flight, with exit 0.
  const release = handleInterrupts(io.signal);
  try {
    await loop();
  } finally {
    release();
  }

  async function loop() {
    while (!io.signal?.aborted) {
      const { data, human } = await read();
      const shown = json ? `${JSON.stringify(data)}\n` : printableText(human);
      if (io.stdout.isTTY && !json) {
        io.stdout.write(
          `${CLEAR_SCREEN}every ${intervalSeconds}s, Ctrl-C to stop · ${new Date().toISOString()}\n\n${shown}`,
        );
      } else if (shown !== last) {
        io.stdout.write(json ? shown : `--- ${new Date().toISOString()}\n${shown}`);
      }
      last = shown;
      await sleep(intervalSeconds * 1000, io.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
