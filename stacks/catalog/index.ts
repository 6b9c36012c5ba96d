export * from './use-case';
export * from './use-cases';
export * from './forwarding';
export * from './central-rules';
export * from './validate';
export * from './responses';
export * from './destinations';
export * from './ticket-bodies';
