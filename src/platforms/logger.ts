import type { Logger } from '../lifecycle';
import { redactKeys } from '../lifecycle';

/** One JSON line per entry (what CloudWatch, SLS and workerd all index); anything key-shaped is redacted. */
export function jsonLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  const emit = (level: string, message: string, fields: Record<string, unknown> = {}) =>
    write(redactKeys(JSON.stringify({ level, message, ...fields, at: new Date().toISOString() })));
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
