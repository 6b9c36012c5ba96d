export * from './rule-target';
export * from './alert-topic-target';
export * from './buffer-queue-target';
export * from './log-group-target';
export * from './stream-target';
export * from './lambda-target';
export * from './responder-target';
