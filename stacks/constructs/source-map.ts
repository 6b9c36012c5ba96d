/**
 * Trims a source map to the project's own code. A bundled AWS SDK is most of a function's
 * mappings; its positions are rewritten as unmapped (a one-field segment), so a stack trace
 * through SDK code shows the bundle position instead of borrowing the nearest project line, and
 * the zip stays small. Sources outside `keep` are emptied from the list.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((c, i) => [c, i]));

export interface RawSourceMap {
  version: number;
  sources: string[];
  names?: string[];
  mappings: string;
  [key: string]: unknown;
}

export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64_VALUE.get(char);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character ${JSON.stringify(char)}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

export function encodeVlq(values: readonly number[]): string {
  let out = '';
  for (const v of values) {
    let vlq = v < 0 ? (-v << 1) | 1 : v << 1;
    do {
      let digit = vlq & 31;
      vlq >>>= 5;
      if (vlq > 0) digit |= 32;
      out += BASE64[digit];
    } while (vlq > 0);
  }
  return out;
}

/** Keeps the mappings whose source satisfies `keep`; the others become unmapped columns. */
export function trimSourceMap(map: RawSourceMap, keep: (source: string) => boolean): RawSourceMap {
  const kept = map.sources.map(keep);
  // Absolute state of the input's relative fields, and of the output's.
  let source = 0, line = 0, column = 0, name = 0;
  let outSource = 0, outLine = 0, outColumn = 0, outName = 0;
  const lines = map.mappings.split(';').map((lineText) => {
    let generatedColumn = 0;
    let outGeneratedColumn = 0;
    let previousUnmapped = false;
    const segments: string[] = [];
    for (const text of lineText ? lineText.split(',') : []) {
      const f = decodeVlq(text);
      generatedColumn += f[0];
      if (f.length >= 4) {
        source += f[1];
        line += f[2];
        column += f[3];
        if (f.length >= 5) name += f[4];
      }
      const mapped = f.length >= 4 && kept[source];
      if (!mapped && previousUnmapped) continue;
      const out = [generatedColumn - outGeneratedColumn];
      outGeneratedColumn = generatedColumn;
      if (mapped) {
        out.push(source - outSource, line - outLine, column - outColumn);
        outSource = source;
        outLine = line;
        outColumn = column;
        if (f.length >= 5) {
          out.push(name - outName);
          outName = name;
        }
      }
      previousUnmapped = !mapped;
      segments.push(encodeVlq(out));
    }
    return segments.join(',');
  });
  return { ...map, sources: map.sources.map((s, i) => (kept[i] ? s : '')), mappings: lines.join(';') };
}
