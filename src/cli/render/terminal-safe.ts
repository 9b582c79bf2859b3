/**
 * Text from the API, made safe to print in a terminal. Label values, reasons, last errors, event messages, error
 * messages and logs are written by whoever holds a key (a team lead, a worker's own container), and a control
 * character in them would drive the reader's terminal: OSC 52 writes the clipboard, CSI sequences clear the screen
 * or move the cursor, a carriage return overwrites what a line says, a bidi override reorders it. Each such
 * character is shown escaped instead (`\x1b`, `\u202e`), so it is seen and does nothing.
 *
 * Only for what people read: `--json` prints JSON, whose encoding is for programs (and escapes C0 controls).
 *
 * @module
 */

/** C0 controls, DEL, C1 controls, and the Unicode bidi embeddings, overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same, but line breaks and tabs pass: for whole texts (logs, rendered tables) whose lines are meant. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escaped = (char: string): string => {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
};

/** One value on one line: every control character escaped, line breaks and tabs included. */
export const printable = (value: string): string => value.replace(UNSAFE, escaped);

/** A text of several lines: control characters escaped, except the line breaks and tabs. */
export const printableText = (text: string): string => text.replace(UNSAFE_IN_TEXT, escaped);
