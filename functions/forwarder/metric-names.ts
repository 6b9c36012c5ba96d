/**
 * Where the forwarder's EMF metrics land in CloudWatch: its namespace (unless METRICS_NAMESPACE
 * says otherwise) and the one dimension of every metric. The forwarder dashboard reads them from
 * here, so a rename moves both.
 */
export const FORWARDER_METRICS_NAMESPACE = 'Trailbridge/Forwarder';
export const FORWARDER_METRICS_DIMENSIONS: Readonly<Record<string, string>> = { service: 'forwarder' };
