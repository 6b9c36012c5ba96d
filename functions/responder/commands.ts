import { CreateTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { AttachUserPolicyCommand, GetUserCommand, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import {
  DeleteBucketPolicyCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { Call, Service } from './decision';

/**
 * The SDK command of every call a response may plan. A call the table does not hold is a bug in a
 * response module, not bad input, so it throws.
 */

// Each command class takes its own input type; the params come from the response modules.
type CommandClass = new (input: any) => unknown;

const COMMANDS: Readonly<Record<Service, Readonly<Record<string, CommandClass>>>> = {
  s3: {
    GetBucketPolicy: GetBucketPolicyCommand,
    GetBucketAcl: GetBucketAclCommand,
    GetPublicAccessBlock: GetPublicAccessBlockCommand,
    GetBucketTagging: GetBucketTaggingCommand,
    HeadObject: HeadObjectCommand,
    PutPublicAccessBlock: PutPublicAccessBlockCommand,
    PutBucketPolicy: PutBucketPolicyCommand,
    DeleteBucketPolicy: DeleteBucketPolicyCommand,
    PutBucketAcl: PutBucketAclCommand,
    PutObject: PutObjectCommand,
  },
  iam: { GetUser: GetUserCommand, ListAttachedUserPolicies: ListAttachedUserPoliciesCommand, AttachUserPolicy: AttachUserPolicyCommand },
  ec2: { DescribeInstances: DescribeInstancesCommand, CreateTags: CreateTagsCommand },
};

/** The SDK command for a planned call. */
export function commandFor(call: Call): unknown {
  const Command = COMMANDS[call.service]?.[call.api];
  if (!Command) throw new Error(`no SDK command for ${call.service}:${call.api}; add it to functions/responder/commands.ts`);
  return new Command(call.params);
}

