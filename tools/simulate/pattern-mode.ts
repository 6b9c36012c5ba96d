import { compilePattern } from '../../functions/lib/event-pattern';
import { SimulateInputError } from './read-cloudtrail';

/**
 * `--pattern PATTERN.json --events EVENTS.jsonl`: one `match` or `nomatch` per event line. Blank lines are skipped;
 * an invalid pattern throws InvalidPatternError, a line that is not JSON throws SimulateInputError naming it.
 */
export function matchEventLines(patternText: string, patternFile: string, eventsText: string, eventsFile: string): string[] {
  let pattern: unknown;
  try {
    pattern = JSON.parse(patternText);
  } catch (err) {
    throw new SimulateInputError(`${patternFile}: not valid JSON (${(err as Error).message})`);
  }
  const compiled = compilePattern(pattern);
  const verdicts: string[] = [];
  eventsText.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (err) {
      throw new SimulateInputError(`${eventsFile} line ${index + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new SimulateInputError(`${eventsFile} line ${index + 1}: an event must be a JSON object`);
    }
    verdicts.push(compiled.matches(event) ? 'match' : 'nomatch');
  });
  return verdicts;
}
