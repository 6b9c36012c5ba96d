/** The kinds of target a central rule can send to (events.customRules[].target, events.sigma.targets). */
export const TARGET_KINDS = ['sns', 'sqs', 'lambda', 'logs', 'kinesis', 'servicenow', 'jira', 'webhook', 'stepfunctions'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
