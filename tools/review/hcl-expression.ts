/**
 * Reads the literal part of a Terraform expression, enough to recover a policy that cdktf wrote
 * as `${jsonencode({"Version" = "2012-10-17", "Statement" = [...]})}`: objects (`=` or `:`),
 * tuples, strings with `${...}` templates, numbers, booleans, null. Anything else (a bare
 * reference such as `aws_s3_bucket.b.arn`, a function call) is kept as its source text wrapped
 * in `${...}`, which is how a reference appears everywhere else in Terraform JSON.
 */

export class HclParseError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'HclParseError';
  }
}

const JSONENCODE = /^\$\{\s*jsonencode\(([\s\S]*)\)\s*\}$/;

/** The argument of a whole-string `${jsonencode(...)}`, or undefined for any other string. */
export function jsonencodeArgument(text: string): string | undefined {
  return JSONENCODE.exec(text.trim())?.[1];
}

export function parseHclExpression(source: string): unknown {
  const parser = new Parser(source);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) throw new HclParseError('unexpected text after the expression', parser.pos);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.src[this.pos])) this.pos++;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.tuple();
    if (c === '"') return this.string();
    if (c !== undefined && /[-0-9]/.test(c)) return this.number();
    return this.bare();
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++; // {
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return result;
      }
      const key = this.src[this.pos] === '"' ? this.string() : this.identifier();
      this.skipSpace();
      const sep = this.src[this.pos];
      if (sep !== '=' && sep !== ':') throw new HclParseError(`expected "=" or ":" after key ${JSON.stringify(key)}`, this.pos);
      this.pos++;
      result[key] = this.value();
      this.skipSpace();
      if (this.src[this.pos] === ',') this.pos++;
    }
  }

  private tuple(): unknown[] {
    const result: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === ']') {
        this.pos++;
        return result;
      }
      result.push(this.value());
      this.skipSpace();
      if (this.src[this.pos] === ',') this.pos++;
      else if (this.src[this.pos] !== ']') throw new HclParseError('expected "," or "]" in a tuple', this.pos);
    }
  }

  /** A quoted string; `${...}` templates are kept verbatim (their braces may nest quotes). */
  private string(): string {
    let out = '';
    this.pos++; // "
    while (!this.atEnd()) {
      const c = this.src[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (next === 'u') {
          out += String.fromCharCode(parseInt(this.src.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          out += escapes[next] ?? next;
          this.pos += 2;
        }
        continue;
      }
      if ((c === '$' || c === '%') && this.src[this.pos + 1] === '{') {
        const end = this.matchingBrace(this.pos + 1);
        out += this.src.slice(this.pos, end + 1);
        this.pos = end + 1;
        continue;
      }
      out += c;
      this.pos++;
    }
    throw new HclParseError('unterminated string', this.pos);
  }

  private matchingBrace(open: number): number {
    let depth = 0;
    let inString = false;
    for (let i = open; i < this.src.length; i++) {
      const c = this.src[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return i;
    }
    throw new HclParseError('unterminated template interpolation', open);
  }

  private number(): number {
    const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.src.slice(this.pos));
    if (!match) throw new HclParseError('expected a number', this.pos);
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private identifier(): string {
    const match = /^[A-Za-z_][\w-]*/.exec(this.src.slice(this.pos));
    if (!match) throw new HclParseError('expected a key', this.pos);
    this.pos += match[0].length;
    return match[0];
  }

  /** true/false/null, or an opaque expression up to the next `,` `]` `}` at this nesting level. */
  private bare(): unknown {
    const start = this.pos;
    let depth = 0;
    while (!this.atEnd()) {
      const c = this.src[this.pos];
      if (c === '"') {
        this.string();
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      this.pos++;
    }
    const text = this.src.slice(start, this.pos).trim();
    if (text === '') throw new HclParseError('expected a value', start);
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (text === 'null') return null;
    return `\${${text}}`;
  }
}
