import { CloudtrailAdvancedEventSelector, CloudtrailAdvancedEventSelectorFieldSelector } from '@cdktf/provider-aws/lib/cloudtrail';

/** Resources whose data events are logged: ARN prefixes to include (all when empty) and to exclude. */
export interface DataEventFilter {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

export interface DataEventOptions {
  /** @default - no S3 object-level events */
  readonly s3?: DataEventFilter;
  /** @default - no Lambda Invoke events */
  readonly lambda?: DataEventFilter;
}

/** CloudTrail's quota: values of all conditions in all advanced event selectors of one trail (not adjustable). */
export const MAX_SELECTOR_VALUES_PER_TRAIL = 500;

const VALUE_OPERATORS = ['equalTo', 'notEquals', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith'] as const;

const RESOURCE_TYPES = { s3: 'AWS::S3::Object', lambda: 'AWS::Lambda::Function' } as const;
const LABELS = { s3: 'S3 object-level events', lambda: 'Lambda Invoke events' } as const;

/**
 * Advanced event selectors: every management event, plus the data events asked for. The trail
 * buckets are always excluded from S3 data events, so a trail never logs its own deliveries
 * (each delivery would be logged, delivered and logged again).
 */
export function advancedEventSelectors(dataEvents: DataEventOptions, trailBucketArns: readonly string[]): CloudtrailAdvancedEventSelector[] {
  const selectors: CloudtrailAdvancedEventSelector[] = [
    { name: 'Management events', fieldSelector: [{ field: 'eventCategory', equalTo: ['Management'] }] },
  ];
  for (const kind of ['s3', 'lambda'] as const) {
    const filter = dataEvents[kind];
    if (!filter) continue;
    const exclude = kind === 's3' ? [...filter.exclude, ...trailBucketArns.map((arn) => `${arn}/`)] : [...filter.exclude];
    const arnSelector = {
      field: 'resources.ARN',
      startsWith: filter.include.length > 0 ? [...filter.include] : undefined,
      notStartsWith: exclude.length > 0 ? [...new Set(exclude)] : undefined,
    };
    selectors.push({
      name: LABELS[kind],
      fieldSelector: [
        { field: 'eventCategory', equalTo: ['Data'] },
        { field: 'resources.type', equalTo: [RESOURCE_TYPES[kind]] },
        ...(arnSelector.startsWith || arnSelector.notStartsWith ? [arnSelector] : []),
      ],
    });
  }
  return selectors;
}

/** The values a trail's selectors hold, as CloudTrail counts them against MAX_SELECTOR_VALUES_PER_TRAIL. */
export function selectorValueCount(selectors: readonly CloudtrailAdvancedEventSelector[]): number {
  let count = 0;
  for (const selector of selectors) {
    const fields: readonly CloudtrailAdvancedEventSelectorFieldSelector[] = Array.isArray(selector.fieldSelector) ? selector.fieldSelector : [];
    for (const field of fields) {
      for (const operator of VALUE_OPERATORS) count += field[operator]?.length ?? 0;
    }
  }
  return count;
}
