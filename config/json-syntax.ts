/**
 * Where a JSON text first breaks the grammar, and what should have stood there. JSON.parse stays
 * the judge of validity; this only explains its verdict, since V8's messages give a position for
 * some errors, none for others ("Unexpected token '}', ... is not valid JSON"), and no line.
 */
export interface JsonSyntaxError {
  /** 1-based, as editors count. */
  readonly line: number;
  readonly column: number;
  /** What stands at that point: `"}"`, or `the end of the file`. */
  readonly found: string;
  /** What the grammar allows there. */
  readonly expected: string;
}

class Stop extends Error {
  constructor(readonly offset: number, readonly expected: string) {
    super(expected);
  }
}

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    const end = new Scanner(text).document();
    if (end !== text.length) throw new Stop(end, 'the end of the file (one JSON value per file)');
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { ...lineAndColumn(text, err.offset), found: foundAt(text, err.offset), expected: err.expected };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the file';
  const word = /^(\/\/|\/\*|[\w.+-]+)/.exec(text.slice(offset, offset + 20));
  return JSON.stringify(word ? word[0] : text[offset]);
}

const VALUE = 'a value (an object, a list, a string in double quotes, a number, true, false or null)';

class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): number {
    this.value();
    this.space();
    return this.at;
  }

  private value(): void {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return;
      }
    }
    throw new Stop(this.at, c === "'" ? 'a string in double quotes (JSON has no single quotes)' : VALUE);
  }

  private object(): void {
    this.at++; // {
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') {
        throw new Stop(this.at, this.text[this.at] === '}' ? 'a property name in double quotes (JSON allows no comma before "}")' : 'a property name in double quotes');
      }
      this.string();
      this.space();
      if (this.text[this.at] !== ':') throw new Stop(this.at, '":" after the property name');
      this.at++;
      this.value();
      this.space();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      if (this.text[this.at] === '}') {
        this.at++;
        return;
      }
      throw new Stop(this.at, '"," between properties, or "}" to close the object');
    }
  }

  private array(): void {
    this.at++; // [
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] === ']') throw new Stop(this.at, 'another list item (JSON allows no comma before "]")');
      this.value();
      this.space();
      if (this.text[this.at] === ',') {
        this.at++;
        continue;
      }
      if (this.text[this.at] === ']') {
        this.at++;
        return;
      }
      throw new Stop(this.at, '"," between list items, or "]" to close the list');
    }
  }

  private string(): void {
    this.at++; // opening quote
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) throw new Stop(this.at, 'a closing double quote');
      if (c === '"') {
        this.at++;
        return;
      }
      if (c < ' ') throw new Stop(this.at, c === '\n' ? 'a closing double quote before the line ends (write a line break as \\n)' : 'a character other than a control character (escape it)');
      if (c === '\\') {
        const next = this.text[this.at + 1];
        if (next === 'u' ? !/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6)) : !'"\\/bfnrt'.includes(next ?? 'x')) {
          throw new Stop(this.at, 'a valid escape (\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u and four hex digits)');
        }
        this.at += next === 'u' ? 6 : 2;
        continue;
      }
      this.at++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at));
    if (!match) throw new Stop(this.at, 'a number (digits, with no leading zero)');
    this.at += match[0].length;
    if (/[\d.]/.test(this.text[this.at] ?? '')) throw new Stop(this.at, 'the end of the number (JSON numbers have no leading zeros or second point)');
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at])) this.at++;
    if (this.text.startsWith('//', this.at) || this.text.startsWith('/*', this.at)) throw new Stop(this.at, 'JSON, which has no comments (the topology takes a top-level "$comment" string)');
  }
}
