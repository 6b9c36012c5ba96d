/**
 * Raw record bytes -> text and parsed value. Never throws: a record that is not valid UTF-8, not
 * JSON, or not an object is reported, so the caller can still forward its text (nothing lost).
 */

export type RecordProblem = 'invalid-utf8' | 'invalid-json' | 'not-an-object';

export interface DecodedRecord {
  /** The record's JSON text, trimmed. With invalid UTF-8, bad bytes are U+FFFD. */
  readonly text: string;
  /** The parsed record when it is a JSON object. */
  readonly value?: Record<string, unknown>;
  readonly problem?: RecordProblem;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeRecord(bytes: Uint8Array): DecodedRecord {
  let text: string;
  let problem: RecordProblem | undefined;
  text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').trim();
  // Invalid bytes decode to U+FFFD; only then is the (slower) strict check needed, since U+FFFD may also be genuine.
  if (text.includes('\ufffd')) {
    try {
      strictUtf8.decode(bytes);
    } catch {
      problem = 'invalid-utf8';
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { text, problem: problem ?? 'invalid-json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { text, problem: problem ?? 'not-an-object' };
  }
  return { text, value: value as Record<string, unknown>, problem };
}
