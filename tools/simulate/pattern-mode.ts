import { compilePattern } from '../../functions/lib/event-pattern';
import { parseInputJson, SimulateInputError } from './read-cloudtrail';

/**
 * `--pattern PATTERN.json --events EVENTS.jsonl`: one `match` or `nomatch` per event line. Blank lines are skipped;
 * an invalid pattern throws InvalidPatternError, a line that is not JSON throws SimulateInputError naming it.
 */
export function matchEventLines(patternText: string, patternFile: string, eventsText: string, eventsFile: string): string[] {
  const compiled = compilePattern(parseInputJson(patternText, patternFile));
  const verdicts: string[] = [];
  eventsText.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${eventsFile} line ${index + 1}`;
    const event = parseInputJson(line, where);
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new SimulateInputError(`${where}: an event must be a JSON object`);
    }
    verdicts.push(compiled.matches(event) ? 'match' : 'nomatch');
  });
  return verdicts;
}
