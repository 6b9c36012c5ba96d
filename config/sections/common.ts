import { z } from 'zod';

/** Pieces of schema shared by several topology sections. */

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const ACCOUNT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;

export const accountId = z.string().regex(ACCOUNT_ID_PATTERN, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a 12-digit AWS account id; write all 12 digits, leading zeros included`,
});

/** A name used in stack names and physical names: short, lowercase, DNS-safe. */
export const accountName = z.string().regex(ACCOUNT_NAME_PATTERN, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a valid account name; use 2-24 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
});

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const logRetentionInDays = z
  .number()
  .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a retention CloudWatch Logs accepts; use one of ${LOG_RETENTION_DAYS.join(', ')}`,
  });

export const positiveInt = z.number().int().positive();

export const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an ARN; write it as arn:aws:<service>:<region>:<account>:<resource>`,
});

/** A CloudWatch alarm period: whole minutes, at least one. */
export const alarmPeriodInSeconds = z
  .number()
  .int()
  .refine((v) => v >= 60 && v % 60 === 0, { error: 'use a multiple of 60 seconds' });

/**
 * The longest time CloudWatch evaluates an alarm over (period x evaluation periods): one day for
 * periods shorter than an hour, seven days for longer ones (PutMetricAlarm, Period).
 */
export function alarmEvaluationLimitInSeconds(periodInSeconds: number): number {
  return periodInSeconds < 3600 ? 86_400 : 604_800;
}

/**
 * What is wrong with an alarm window of `minutes` evaluated in periods of `periodInSeconds`
 * (`periodOption` names that option), or undefined when CloudWatch can evaluate it as whole periods.
 */
export function alarmWindowProblem(minutes: number, periodInSeconds: number, periodOption: string): string | undefined {
  const seconds = minutes * 60;
  if (seconds % periodInSeconds !== 0) {
    const step = periodInSeconds / 60;
    const below = Math.floor(minutes / step) * step;
    const near = [below, below + step].filter((m) => m > 0 && m * 60 <= alarmEvaluationLimitInSeconds(periodInSeconds));
    return `${minutes} minutes is not a whole number of periods of ${periodInSeconds} s (${periodOption}); use a multiple of ${step} minutes${near.length > 0 ? `, such as ${near.join(' or ')}` : ''}`;
  }
  const limit = alarmEvaluationLimitInSeconds(periodInSeconds);
  if (seconds > limit) {
    const longer = periodInSeconds < 3600 ? `, or lengthen ${periodOption} to 3600 or more (up to ${alarmEvaluationLimitInSeconds(3600) / 60} minutes)` : '';
    return `${minutes} minutes is longer than CloudWatch evaluates periods of ${periodInSeconds} s over (${limit / 60} minutes); shorten it${longer}`;
  }
  return undefined;
}

/**
 * Email subscriptions of a topic; each address once, so nobody gets every message twice (and
 * each subscription is named by its address, stacks/constructs/email-subscriptions.ts).
 */
export const uniqueEmails = (field: string) =>
  z.array(z.email()).superRefine((emails, ctx) => {
    emails.forEach((email, i) => {
      const first = emails.indexOf(email);
      if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${JSON.stringify(email)} is already ${field}[${first}]; list each address once` });
    });
  });

/**
 * The `alarms` option of a stack whose alarms go to a topic of its own (with `emails`) or to an
 * existing `topicArn`: the same four keys and the same refusal wherever a stack has alarms.
 */
export function stackAlarms(text: { enabled: string; topicArn: string; option: string }) {
  return z
    .strictObject({
      enabled: z.boolean().default(true).describe(text.enabled),
      topicArn: arn.optional().describe(text.topicArn),
      emails: uniqueEmails('emails')
        .default([])
        .describe('Email subscriptions of the topic of its own (each must be confirmed); not used with topicArn, whose subscriptions are yours. @default - none'),
      periodInSeconds: alarmPeriodInSeconds.default(300).describe('Period over which each metric is evaluated. @default 300'),
    })
    .superRefine((options, ctx) => {
      if (options.topicArn && options.emails.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['emails'], message: 'emails subscribe the topic of its own, which topicArn replaces; subscribe them to that topic instead, or remove topicArn' });
      }
    })
    .describe(text.option);
}
