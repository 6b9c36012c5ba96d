import { z } from 'zod';
import { accountId } from './common';
import { forwardingRules } from './events';
import { Problem } from '../problems';

/**
 * Regional forwarding through CloudFormation StackSets (docs/scale.md): a listed source account's
 * `source.forwardingDeployment`, and the organization's service-managed StackSet for whole
 * organizational units (`organizationForwarding`).
 */

export const FORWARDING_DEPLOYMENTS = ['providers', 'stackset'] as const;

export const forwardingDeployment = z
  .enum(FORWARDING_DEPLOYMENTS)
  .default('providers')
  .describe(
    'How the regional forwarding rules reach the account. providers: one aliased Terraform provider per region (a plan grows by ~92 MiB a region). stackset: a self-managed CloudFormation StackSet of the account, one stack instance per region, from a stack with one provider. @default "providers"',
  );

/**
 * CloudFormation takes at most 50 OUs in one stack-instances call, and the StackSet can have only
 * one aws_cloudformation_stack_instances: the provider reads every instance of the StackSet into
 * each such resource, so a second one (for OUs 51 to 100) would plan to delete the first one's OUs
 * on every run (hashicorp/terraform-provider-aws#40243). More OUs are refused at load.
 */
export const MAX_OUS_PER_CALL = 50;

/** An OU, or the organization's root (every account but the management one), as CloudFormation's DeploymentTargets take them. */
const ouId = z.string().regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an organizational unit id nor the organization's root id; write it as AWS shows it (ou-ab12-cd34ef56, r-ab12)`,
});

const percent = z.number().int().min(0).max(100);

export const organizationForwarding = z
  .strictObject({
    deployFrom: z
      .enum(['security', 'management'])
      .default('security')
      .describe(
        'The account that owns the StackSet. security: the security account as delegated administrator (call_as DELEGATED_ADMIN; register it first, docs/scale.md). management: the organization\'s management account (organization.managementAccount). @default "security"',
      ),
    organizationalUnits: z
      .array(
        z.strictObject({
          id: ouId,
          name: z.string().optional().describe('For messages and docs only. @default - the id'),
          accounts: z
            .array(accountId)
            .default([])
            .describe('Accounts known to be in the OU: synth refuses one that is also a listed source (it would get the rules twice). @default - none'),
        }),
      )
      .min(1, {
        error: "[] targets no account; list the OUs whose accounts get the forwarding (or the root, r-..., for every account but the management one), or remove organizationForwarding and destroy the organization-forwarding stack",
      })
      .describe('OUs whose accounts (and those of their child OUs, now and later) get the regional forwarding; an id may be the organization\'s root (r-...): every account but the management one.'),
    forwarding: forwardingRules.prefault({}).describe('The rules every account of those OUs gets, as a source account\'s source.forwarding.'),
    operationPreferences: z
      .strictObject({
        regionConcurrency: z.enum(['PARALLEL', 'SEQUENTIAL']).default('PARALLEL').describe('Regions deployed at once or one after another. @default "PARALLEL"'),
        maxConcurrentPercentage: percent.min(1).default(25).describe('Share of the accounts deployed at once in a region. @default 25'),
        failureTolerancePercentage: percent
          .default(0)
          .describe(
            'Share of the accounts that may fail in a region before CloudFormation stops the operation there, rounded down (10 % of 9 accounts is 0): the next failure stops it; accounts already under way finish (docs/scale.md). @default 0',
          ),
      })
      .prefault({})
      .describe(
        'How fast a StackSet operation goes (safe defaults: a quarter of the accounts at a time, stop at the first failure). Template changes go failure tolerance + 1 accounts at a time: aws_cloudformation_stack_set of provider 5.100.0 has no concurrency_mode (docs/scale.md, Limits).',
      ),
    operationTimeoutInMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .optional()
      .describe(
        'How long Terraform waits for one StackSet operation (the StackSet\'s update, the stack instances\' create, update and delete) before the run fails; the operation goes on in CloudFormation. Raise it for organizations whose operations outlast the default (docs/scale.md, Limits). @default - the provider\'s 30 minutes',
      ),
  })
  .describe('Regional forwarding for every account of some organizational units, through a service-managed StackSet with automatic deployment (docs/scale.md).');

export type OrganizationForwardingOptions = z.output<typeof organizationForwarding>;

/**
 * Cross-field rules of organizationForwarding, on the raw document (every access defensive, as in
 * config/validate.ts): it needs organization.id (the central bus admits the OUs' roles by
 * aws:PrincipalOrgID), a management account when deployed from there, and no account that is both
 * a listed source and in a targeted OU.
 */
export function organizationForwardingProblems(raw: unknown): Problem[] {
  if (!isRecord(raw) || !isRecord(raw.organizationForwarding)) return [];
  const problems: Problem[] = [];
  const options = raw.organizationForwarding;
  const organization = isRecord(raw.organization) ? raw.organization : undefined;
  if (!organization || typeof organization.id !== 'string') {
    problems.push({ path: 'organizationForwarding', message: 'needs organization.id (the central bus admits the OUs\' forwarding roles by aws:PrincipalOrgID); set organization.id' });
  }
  if (options.deployFrom === 'management' && typeof organization?.managementAccount !== 'string') {
    problems.push({ path: 'organizationForwarding.deployFrom', message: '"management" needs organization.managementAccount; name the management account or use "security" (delegated administrator)' });
  }
  if (isRecord(options.forwarding) && options.forwarding.enabled === false) {
    problems.push({
      path: 'organizationForwarding.forwarding.enabled',
      message: 'false leaves the organization StackSet no rule to deploy; to stop forwarding the OUs\' events, remove organizationForwarding and destroy the organization-forwarding stack',
    });
  }
  const sources = listedSources(raw);
  const units = Array.isArray(options.organizationalUnits) ? options.organizationalUnits : [];
  if (units.length > MAX_OUS_PER_CALL) {
    problems.push({
      path: 'organizationForwarding.organizationalUnits',
      message: `${units.length} OUs; CloudFormation takes at most ${MAX_OUS_PER_CALL} in one stack-instances call, and the StackSet has one; target a parent OU that contains them (its child OUs, now and later, are covered)`,
    });
  }
  const seen = new Map<string, string>();
  units.forEach((unit, u) => {
    if (!isRecord(unit)) return;
    const ou = typeof unit.id === 'string' ? unit.id : `organizationalUnits[${u}]`;
    if (typeof unit.id === 'string') {
      if (seen.has(unit.id)) problems.push({ path: `organizationForwarding.organizationalUnits[${u}].id`, message: `${unit.id} is already ${seen.get(unit.id)}; list each OU once` });
      else seen.set(unit.id, `organizationalUnits[${u}]`);
    }
    if (typeof unit.id === 'string' && /^r-[0-9a-z]{4,32}$/.test(unit.id)) {
      // The root holds every account: each listed source but the management account would get the rules twice.
      for (const [id, source] of sources) {
        if (source.isManagement) continue;
        problems.push({
          path: `organizationForwarding.organizationalUnits[${u}].id`,
          message: `${unit.id} is the organization's root, which holds every account, also the source account ${source.path} ("${source.name}", ${id}): it would get the forwarding rules twice; remove its source role or set its source.forwarding.enabled to false (the root covers it), or target OUs without it`,
        });
      }
    }
    const accounts = Array.isArray(unit.accounts) ? unit.accounts : [];
    accounts.forEach((id, a) => {
      const source = typeof id === 'string' ? sources.get(id) : undefined;
      if (!source || source.isManagement) return;
      problems.push({
        path: `organizationForwarding.organizationalUnits[${u}].accounts[${a}]`,
        message: `account ${id} is the source account ${source.path} ("${source.name}") and is in the OU ${ou}, which the organization StackSet targets: it would get the forwarding rules twice; remove its source role (the OU covers it) or move it out of the OU`,
      });
    });
  });
  return problems;
}

function listedSources(raw: Record<string, unknown>): Map<string, { path: string; name: string; isManagement: boolean }> {
  const management = isRecord(raw.organization) ? raw.organization.managementAccount : undefined;
  const sources = new Map<string, { path: string; name: string; isManagement: boolean }>();
  const accounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  accounts.forEach((acct, i) => {
    if (!isRecord(acct) || typeof acct.id !== 'string' || !Array.isArray(acct.roles) || !acct.roles.includes('source')) return;
    const forwarding = isRecord(acct.source) && isRecord(acct.source.forwarding) ? acct.source.forwarding : {};
    if (forwarding.enabled === false) return;
    sources.set(acct.id, { path: `accounts[${i}]`, name: String(acct.name), isManagement: acct.name === management });
  });
  return sources;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
