/**
 * What the CloudTrail record format (AWS CloudTrail User Guide, "CloudTrail record contents") says about the
 * shape of its fields, as far as the compiler needs it to judge whether a pattern is exact.
 */

/** Fields whose value is an object (or a list of objects): EventBridge matches only the leaves below them. */
export const OBJECT_FIELDS: ReadonlySet<string> = new Set([
  'userIdentity', 'userIdentity.sessionContext', 'userIdentity.sessionContext.sessionIssuer',
  'userIdentity.sessionContext.attributes', 'userIdentity.sessionContext.webIdFederationData', 'userIdentity.onBehalfOf',
  'requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails', 'resources', 'tlsDetails',
  'insightDetails', 'edgeDeviceDetails',
]);

/**
 * Fields that hold one value (never a list). Only for these is EventBridge's `anything-but` ("some value differs")
 * the same as Sigma's `not` ("no value matches").
 */
export const SINGLE_VALUE_FIELDS: ReadonlySet<string> = new Set([
  'eventVersion', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent', 'errorCode',
  'errorMessage', 'requestID', 'eventID', 'eventType', 'apiVersion', 'managementEvent', 'readOnly', 'recipientAccountId',
  'sharedEventID', 'vpcEndpointId', 'vpcEndpointAccountId', 'eventCategory', 'sessionCredentialFromConsole',
  'userIdentity.type', 'userIdentity.principalId', 'userIdentity.arn', 'userIdentity.accountId',
  'userIdentity.accessKeyId', 'userIdentity.userName', 'userIdentity.invokedBy', 'userIdentity.identityProvider',
  'userIdentity.credentialId', 'userIdentity.sessionContext.sourceIdentity',
  'userIdentity.sessionContext.sessionIssuer.type', 'userIdentity.sessionContext.sessionIssuer.principalId',
  'userIdentity.sessionContext.sessionIssuer.arn', 'userIdentity.sessionContext.sessionIssuer.accountId',
  'userIdentity.sessionContext.sessionIssuer.userName', 'userIdentity.sessionContext.attributes.creationDate',
  'userIdentity.sessionContext.attributes.mfaAuthenticated', 'tlsDetails.tlsVersion', 'tlsDetails.cipherSuite',
  'tlsDetails.clientProvidedHostHeader',
]);

/**
 * Top-level fields whose inner shape is the service's own (request and response bodies) or a list of objects: two
 * fields below one of their inner objects may sit in one element of a list, where EventBridge matches them only
 * together (array-consistent matching) and Sigma says nothing.
 */
export const FREE_FORM_FIELDS: ReadonlySet<string> = new Set(['requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails']);

/** A list of objects at the top level of every record. */
export const LIST_OF_OBJECT_FIELDS: ReadonlySet<string> = new Set(['resources']);
