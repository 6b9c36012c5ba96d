import { z } from 'zod';
import { TARGET_KINDS } from './target-kinds';

/**
 * Sigma rules on the central bus (docs/sigma.md): files or folders of Sigma rules for AWS CloudTrail, compiled at
 * synth time into central-bus rules, one per rule, routed by the rule's level.
 */

/** What a level's rules go to: a target kind of the central rules, or "off" for no rule at all. */
export const SIGMA_TARGET_OFF = 'off';
const sigmaTarget = z
  .enum([...TARGET_KINDS, SIGMA_TARGET_OFF])
  .describe('A target kind of the central rules (events.customRules[].target), or "off": the rules of this level are not created.');

export const sigmaRules = z.strictObject({
  paths: z
    .array(z.string().min(1, { error: 'a path must not be empty' }))
    .min(1, { error: 'give at least one file or folder of Sigma rules' })
    .describe('Sigma rule files (.yml) or folders (searched recursively). A relative path is resolved from the project root (where npm and cdktf run), not from the topology file.'),
  allowApproximate: z
    .boolean()
    .default(false)
    .describe('Also create rules whose pattern only approximates the Sigma rule (the reason is in `npm run sigma -- convert`). @default false'),
  targets: z
    .strictObject({
      critical: sigmaTarget.default('sns').describe('@default "sns"'),
      high: sigmaTarget.default('sns').describe('@default "sns"'),
      medium: sigmaTarget.default('logs').describe('@default "logs" (also rules without a level)'),
      low: sigmaTarget.default(SIGMA_TARGET_OFF).describe('@default "off"'),
      informational: sigmaTarget.default(SIGMA_TARGET_OFF).describe('@default "off"'),
    })
    .prefault({})
    .describe('The target of each Sigma level. @default - critical and high to sns, medium to logs, low and informational off'),
  skip: z
    .array(z.string().min(1))
    .default([])
    .describe('Rules to leave out, by Sigma id or file name (e.g. "aws_enum_buckets.yml"): an unsupported or approximate rule must be listed here or synth fails. @default - none'),
});

export type SigmaRulesOptions = z.output<typeof sigmaRules>;
export type SigmaTarget = SigmaRulesOptions['targets']['high'];
