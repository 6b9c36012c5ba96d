/** The environment Terraform gives the forwarder function, with example values. */
export const HANDLER_ENV = {
  DT_ENV_URL: 'https://abc12345.live.dynatrace.com',
  DT_API_TOKEN_PARAM: '/trailbridge/dynatrace/api-token',
  FAILURE_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/444455556666/failures',
  APPCONFIG_APPLICATION: 'trailbridge',
  APPCONFIG_ENVIRONMENT: 'prod',
  APPCONFIG_PROFILE: 'forwarder-rules',
  AWS_REGION: 'eu-central-1',
};
