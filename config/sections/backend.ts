import { z } from 'zod';

/** Where each stack keeps its Terraform state. One state per stack, whatever the type. */

/** A directory relative to the project root, for state files on this machine. */
const stateDirectory = z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, {
  error: (issue) => `${JSON.stringify(issue.input)} must be a relative path inside the project, without ".."`,
});

export const localBackend = z
  .strictObject({
    type: z.literal('local'),
    directory: stateDirectory.default('state').describe('Directory, relative to the project root, that holds <stack>.tfstate files.'),
  })
  .describe('State files on this machine (the default): state/<stack>.tfstate.');

export const s3Backend = z
  .strictObject({
    type: z.literal('s3'),
    bucket: z.string().min(3).describe('Bucket that holds the state files.'),
    keyPrefix: z.string().default('trailbridge').describe('Key prefix; each stack writes <keyPrefix>/<stack>.tfstate.'),
    region: z.string().describe('Region of the state bucket.'),
    useLockfile: z.boolean().default(true).describe('S3-native state locking (Terraform 1.10+).'),
    kmsKeyId: z.string().optional().describe('KMS key for the state objects. @default - the bucket default encryption'),
    roleArn: z.string().optional().describe('Role to assume for state access. @default - the ambient credentials'),
  })
  .describe('State in an S3 bucket, encrypted, with S3-native locking.');

export const cloudBackend = z
  .strictObject({
    type: z.literal('cloud'),
    organization: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { error: (issue) => `${JSON.stringify(issue.input)} is not an HCP Terraform organization name: it allows letters, digits, "-" and "_"` })
      .describe('Terraform Cloud / Enterprise organization.'),
    hostname: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a host name; write the host alone, without https://, a port or a path (IAM's OIDC provider URL takes no port), such as "app.terraform.io" or "tfe.example.com"`,
      })
      .default('app.terraform.io')
      .describe('Terraform Cloud or Enterprise host name, without https://: the OIDC provider is https://<hostname>, and the roles\' trust keys are <hostname>:aud and <hostname>:sub.'),
    workspacePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/, { error: 'a workspace prefix may hold only letters, digits, "-" and "_"' })
      .default('trailbridge-')
      .describe('Each stack maps to the workspace <workspacePrefix><stack>.'),
    project: z
      .string()
      .regex(/^[A-Za-z0-9 _-]+$/, {
        error: (issue) => `${JSON.stringify(issue.input)} is not an HCP Terraform project name: it allows letters, digits, spaces, "-" and "_"; omit project for the Default Project`,
      })
      .optional()
      .describe('Terraform Cloud project for the workspaces; the roles\' trust names it, so a workspace moved to another project cannot assume them. @default - the default project'),
    dynamicCredentials: z
      .boolean()
      .default(false)
      .describe(
        'Workspaces authenticate to AWS with HCP Terraform dynamic provider credentials (OIDC): adds a bootstrap-<account> stack per account that creates the OIDC provider and each workspace\'s plan and apply roles, and the stacks\' providers use those roles instead of assuming deployRole (docs/terraform-cloud.md). @default false',
      ),
    bootstrapStateDirectory: stateDirectory
      .default('state')
      .describe('Directory, relative to the project root, that holds the bootstrap stacks\' bootstrap-<account>.tfstate: they run once with an administrator\'s credentials, before any workspace can.'),
  })
  .describe('Terraform Cloud: one workspace per stack, named from a prefix.');

export const backend = z
  .discriminatedUnion('type', [localBackend, s3Backend, cloudBackend])
  .describe('Terraform backend for every stack.');

export type BackendConfig = z.output<typeof backend>;
