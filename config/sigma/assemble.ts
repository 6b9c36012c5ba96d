import { literalKey, type Term } from './boolean-form';
import { FREE_FORM_FIELDS, LIST_OF_OBJECT_FIELDS } from './cloudtrail-fields';
import { fieldValues } from './field-values';
import { UnsupportedError, type Literal } from './literals';

/** The `detail` part of a pattern and where it is not exactly the rule. */
export interface AssembledDetail {
  readonly detail: Record<string, unknown>;
  readonly approximations: readonly string[];
}

/** Puts `values` at the dot-separated `field` of a nested pattern object. */
function place(target: Record<string, unknown>, field: string, values: readonly unknown[], at: string): void {
  const keys = field.split('.');
  let node = target;
  keys.forEach((key, i) => {
    const existing = node[key];
    if (i === keys.length - 1) {
      if (existing !== undefined) throw new UnsupportedError(at, `${field} is tested together with fields below it; an EventBridge pattern cannot test both`);
      node[key] = [...values];
      return;
    }
    if (Array.isArray(existing)) throw new UnsupportedError(at, `${keys.slice(0, i + 1).join('.')} is tested together with fields below it; an EventBridge pattern cannot test both`);
    node = (node[key] ??= {}) as Record<string, unknown>;
  });
}

/** The part of two dot paths they share. */
function commonParent(a: string, b: string): string[] {
  const x = a.split('.');
  const y = b.split('.');
  const shared: string[] = [];
  for (let i = 0; i < Math.min(x.length, y.length) - 1 && x[i] === y[i]; i++) shared.push(x[i]!);
  return shared;
}

/** Two fields of one alternative that may sit in one element of a list of objects, where EventBridge matches them together only. */
function listConsistencyNotes(term: Term): string[] {
  const notes: string[] = [];
  const fields = [...new Set(term.map((l) => l.field))];
  for (let i = 0; i < fields.length; i++) {
    for (let j = i + 1; j < fields.length; j++) {
      const parent = commonParent(fields[i]!, fields[j]!);
      const inList = LIST_OF_OBJECT_FIELDS.has(parent[0] ?? '') || (parent.length >= 2 && FREE_FORM_FIELDS.has(parent[0]!));
      if (inList) {
        notes.push(`${fields[i]} and ${fields[j]}: if ${parent.join('.')} is a list of objects, EventBridge matches both in the same element only, and Sigma in any elements (under-matches)`);
      }
    }
  }
  return notes;
}

/** One alternative as a pattern object; a second test of a field in it is left out (noted). */
function termObject(term: Term, notes: string[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const byField = new Map<string, Literal>();
  for (const literal of term) {
    const first = byField.get(literal.field);
    if (first !== undefined) {
      notes.push(`${literal.at}: a second test of ${literal.field} in one alternative (after ${first.at}); EventBridge has one test per field, so it is left out (over-matches)`);
      continue;
    }
    byField.set(literal.field, literal);
    const { values, approximations } = fieldValues(literal);
    notes.push(...approximations);
    place(object, literal.field, values, literal.at);
  }
  return object;
}

/**
 * The `detail` object of the terms: literals that every term has are written once, the rest as `$or`; when
 * every remainder is one positive test of the same field, their values are merged into one list instead.
 */
export function assembleDetail(terms: readonly Term[]): AssembledDetail {
  const notes: string[] = [];
  for (const term of terms) notes.push(...listConsistencyNotes(term));
  const keys = terms.map((term) => new Set(term.map(literalKey)));
  let shared = terms[0]!.filter((literal) => keys.every((set) => set.has(literalKey(literal))));
  let sharedKeys = new Set(shared.map(literalKey));
  // A field both shared and tested again in an alternative would appear twice on one path: keep the terms whole.
  const sharedFields = new Set(shared.map((l) => l.field));
  if (terms.some((term) => term.some((l) => sharedFields.has(l.field) && !sharedKeys.has(literalKey(l))))) {
    shared = [];
    sharedKeys = new Set();
  }
  const remainders = terms.map((term) => term.filter((literal) => !sharedKeys.has(literalKey(literal))));
  const detail = termObject(shared, notes);
  if (remainders.some((r) => r.length === 0) || terms.length === 1) return { detail, approximations: unique(notes) };

  const single = remainders.every((r) => r.length === 1 && !r[0]!.negated && r[0]!.field === remainders[0]![0]!.field);
  if (single) {
    const field = remainders[0]![0]!.field;
    if (!shared.some((l) => l.field === field)) {
      const merged: Literal = { ...remainders[0]![0]!, matches: remainders.flatMap((r) => r[0]!.matches) };
      place(detail, field, fieldValues(merged).values, merged.at);
      for (const r of remainders) notes.push(...fieldValues(r[0]!).approximations);
      return { detail, approximations: unique(notes) };
    }
  }
  detail.$or = remainders.map((remainder) => termObject(remainder, notes));
  return { detail, approximations: unique(notes) };
}

const unique = (notes: string[]): string[] => [...new Set(notes)];
