export { convertSigmaRule, CLOUDTRAIL_DETAIL_TYPES, type AlternativeScope, type ScopeValue, type SigmaConversion, type SigmaStatus } from './convert';
export { parseSigmaRule, SigmaRuleError, SIGMA_LEVELS, type SigmaLevel, type SigmaRule } from './rule';
export { readSigmaRules, sigmaRuleFiles } from './read-rules';
