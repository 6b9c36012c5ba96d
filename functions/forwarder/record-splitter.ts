/**
 * Incremental splitter for CloudTrail log files: feed it the bytes in chunks of any size, get back
 * the raw bytes of each element of `Records` (or of a bare top-level array) as soon as the element
 * is complete. Only the element being read is held, so memory does not grow with the file.
 *
 * It tracks structure only (nesting, strings, escapes); each element is validated later by
 * JSON.parse. Structural problems (not JSON, no `Records`, truncation, data after the end) are
 * thrown as {@link SplitError} with the number of records already produced.
 */

export interface RawRecord {
  /** Zero-based position in the array. */
  readonly index: number;
  /** The element's bytes, without surrounding whitespace handling (JSON.parse tolerates it). */
  readonly bytes: Buffer;
}

export class SplitError extends Error {
  constructor(
    message: string,
    /** Records produced before the problem, `completed` included. */
    readonly recordsBefore: number,
    /**
     * Records the failing chunk completed before the problem. `push` never returned them, so the
     * caller must still take them: they are counted in `recordsBefore`, and a replay starts after them.
     */
    readonly completed: readonly RawRecord[] = [],
  ) {
    super(message);
    this.name = 'SplitError';
  }
}

/** CloudTrail records are at most a few hundred KiB; a bigger element is a broken file, not a record. */
export const DEFAULT_MAX_RECORD_BYTES = 32 * 1024 * 1024;

const enum Mode {
  /** Before the top-level value. */
  Start,
  /** In the top-level object, expecting a key, ',' or '}'. */
  ObjectKey,
  /** Inside a top-level key string. */
  KeyString,
  /** After a top-level key, expecting ':'. */
  Colon,
  /** After ':', expecting a value. */
  Value,
  /** Skipping a top-level value that is not Records. */
  SkipValue,
  /** In the records array, expecting an element, ',' or ']'. */
  Array,
  /** Inside an element. */
  Element,
  /** After the top-level value; only whitespace may follow. */
  Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MAX_KEY_BYTES = 256;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class RecordSplitter {
  private mode = Mode.Start;
  /** True when the top level is an object (`{"Records":[...]}`), false for a bare array. */
  private wrapped = false;
  private recordsSeen = false;
  private inString = false;
  private escaped = false;
  /** Nesting inside the element or skipped value. */
  private depth = 0;
  private keyBytes: number[] = [];
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private expectElement = false;
  private sawElement = false;
  private nextIndex = 0;
  /** Bytes of a UTF-8 byte order mark seen at the very start (not JSON, but some editors write one). */
  private bomBytes = 0;
  /** The records of the chunk being split, handed over by an error that stops it midway. */
  private chunkRecords: RawRecord[] = [];

  constructor(private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES) {}

  /** Records produced so far. */
  get recordCount(): number {
    return this.nextIndex;
  }

  /**
   * Feeds the next chunk; returns the records it completed, in order.
   *
   * Longer than the house's 100 lines on purpose: its length is its speed. This is the loop over
   * every byte of every file; with the state in locals and the modes inline, a byte costs a few
   * comparisons. Split into a function per mode, it would pay a call and a reload of the state
   * per byte or per mode change, so keep it whole.
   */
  push(chunk: Uint8Array): RawRecord[] {
    const out: RawRecord[] = [];
    this.chunkRecords = out;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    let elementStart = this.mode === Mode.Element ? 0 : -1;
    const len = buf.length;

    for (; i < len; i++) {
      const b = buf[i];
      switch (this.mode) {
        case Mode.Start:
          if (isWhitespace(b)) break;
          if (this.bomBytes < 3 && b === UTF8_BOM[this.bomBytes]) {
            this.bomBytes++;
            break;
          }
          if (b === OPEN_BRACKET) {
            this.recordsSeen = true;
            this.enterArray();
          } else if (b === OPEN_BRACE) {
            this.wrapped = true;
            this.mode = Mode.ObjectKey;
          } else {
            throw this.fail(`not JSON: the file starts with ${describeByte(b)}, expected "{" or "["`);
          }
          break;

        case Mode.ObjectKey:
          if (isWhitespace(b) || b === COMMA) break;
          if (b === QUOTE) {
            this.mode = Mode.KeyString;
            this.keyBytes = [];
          } else if (b === CLOSE_BRACE) {
            this.mode = Mode.Done;
          } else {
            throw this.fail(`not JSON: unexpected ${describeByte(b)} where an object key was expected`);
          }
          break;

        case Mode.KeyString:
          if (this.escaped) {
            this.escaped = false;
          } else if (b === BACKSLASH) {
            this.escaped = true;
          } else if (b === QUOTE) {
            this.mode = Mode.Colon;
            break;
          }
          if (this.keyBytes.length < MAX_KEY_BYTES) this.keyBytes.push(b);
          break;

        case Mode.Colon:
          if (isWhitespace(b)) break;
          if (b !== COLON) throw this.fail(`not JSON: unexpected ${describeByte(b)} after an object key`);
          this.mode = Mode.Value;
          break;

        case Mode.Value:
          if (isWhitespace(b)) break;
          if (!this.recordsSeen && Buffer.from(this.keyBytes).toString('utf8') === 'Records') {
            if (b !== OPEN_BRACKET) throw this.fail('"Records" is not an array');
            this.recordsSeen = true;
            this.enterArray();
            break;
          }
          this.mode = Mode.SkipValue;
          this.depth = 0;
          i--; // read this byte again as the first byte of the skipped value
          break;

        case Mode.SkipValue:
          if (this.inString) {
            i = this.skipString(buf, i);
            break;
          }
          if (b === QUOTE) this.inString = true;
          else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
          else if (this.depth === 0 && (b === COMMA || b === CLOSE_BRACE)) this.mode = b === COMMA ? Mode.ObjectKey : Mode.Done;
          else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) this.depth--;
          break;

        case Mode.Array:
          if (isWhitespace(b)) break;
          if (b === COMMA) {
            if (this.expectElement) throw this.fail(`not JSON: empty element before record ${this.nextIndex}`);
            this.expectElement = true;
            break;
          }
          if (b === CLOSE_BRACKET) {
            if (this.expectElement && this.sawElement) throw this.fail('not JSON: trailing comma at the end of the records');
            this.mode = this.wrapped ? Mode.ObjectKey : Mode.Done;
            break;
          }
          if (!this.expectElement) throw this.fail(`not JSON: missing comma before record ${this.nextIndex}`);
          this.mode = Mode.Element;
          this.expectElement = false;
          this.sawElement = true;
          this.depth = 0;
          elementStart = i;
          i--; // read this byte again as the first byte of the element
          break;

        case Mode.Element:
          if (this.inString) {
            i = this.skipString(buf, i);
            break;
          }
          if (b === QUOTE) this.inString = true;
          else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
          else if (this.depth === 0 && (b === COMMA || b === CLOSE_BRACKET)) {
            out.push(this.finishElement(buf.subarray(elementStart, i)));
            elementStart = -1;
            this.mode = Mode.Array;
            i--; // let Array mode handle the ',' or ']'
          } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) this.depth--;
          break;

        case Mode.Done:
          if (!isWhitespace(b)) throw this.fail(`not JSON: unexpected ${describeByte(b)} after the end of the document`);
          break;
      }
    }

    if (this.mode === Mode.Element && elementStart >= 0) {
      const piece = buf.subarray(elementStart);
      this.pieces.push(piece);
      this.pieceBytes += piece.length;
      if (this.pieceBytes > this.maxRecordBytes) {
        throw this.fail(`record ${this.nextIndex} is larger than ${this.maxRecordBytes} bytes`);
      }
    }
    return out;
  }

  /** Call after the last chunk: throws when the document is incomplete or has no records array. */
  end(): void {
    this.chunkRecords = [];
    switch (this.mode) {
      case Mode.Done:
        if (!this.recordsSeen) throw this.fail('no "Records" array in the object');
        return;
      case Mode.Start:
        throw this.fail('empty file');
      default:
        throw this.fail(`truncated: the file ends inside the JSON document after ${this.nextIndex} complete record(s)`);
    }
  }

  /**
   * Advances past string bytes; returns the index of the last byte consumed. Most of a record is
   * strings: the closing quote is found by `indexOf` (native) rather than byte by byte, and it is
   * escaped when an odd number of backslashes runs up to it.
   */
  private skipString(buf: Buffer, i: number): number {
    const len = buf.length;
    if (this.escaped) {
      // The chunk before ended inside an escape: this byte is the escaped one.
      this.escaped = false;
      i++;
    }
    for (;;) {
      const quote = buf.indexOf(QUOTE, i);
      if (quote < 0) {
        this.escaped = backslashesBefore(buf, len, i) % 2 === 1;
        return len - 1;
      }
      if (backslashesBefore(buf, quote, i) % 2 === 0) {
        this.inString = false;
        return quote;
      }
      i = quote + 1;
    }
  }

  private enterArray(): void {
    this.mode = Mode.Array;
    this.expectElement = true;
    this.sawElement = false;
  }

  private finishElement(tail: Buffer): RawRecord {
    let bytes: Buffer;
    if (this.pieces.length === 0) {
      bytes = tail;
    } else {
      this.pieces.push(tail);
      bytes = Buffer.concat(this.pieces, this.pieceBytes + tail.length);
      this.pieces = [];
      this.pieceBytes = 0;
    }
    if (bytes.length > this.maxRecordBytes) throw this.fail(`record ${this.nextIndex} is larger than ${this.maxRecordBytes} bytes`);
    return { index: this.nextIndex++, bytes };
  }

  private fail(message: string): SplitError {
    return new SplitError(message, this.nextIndex, this.chunkRecords);
  }
}

/** How many backslashes run up to `end` (exclusive), looking no further back than `from`. */
function backslashesBefore(buf: Buffer, end: number, from: number): number {
  let k = end - 1;
  while (k >= from && buf[k] === BACKSLASH) k--;
  return end - 1 - k;
}

function describeByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? JSON.stringify(String.fromCharCode(b)) : `byte 0x${b.toString(16).padStart(2, '0')}`;
}
