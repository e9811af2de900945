import { parseTableRef } from '../jobs/job-form';

/** One table of a new diff as the form holds it. */
export interface DiffEntry {
  uid: number;
  reference: string;
  others: Record<string, string>;
  keyColumns: string[];
  columns: string[];
  where: string;
}

export type FormErrors = Record<string, string>;

/** What the form can say before any call, with the API's field names. */
export function checkDiffForm(referenceId: string, otherIds: string[], entries: DiffEntry[], factor: string, threshold: string): FormErrors {
  const errors: FormErrors = {};
  if (!referenceId) errors.referenceId = 'Pick the reference connection.';
  if (otherIds.length === 0) errors.otherIds = 'Pick at least one connection to compare with the reference.';
  if (entries.length === 0) errors.tables = 'Add at least one table or pattern.';
  entries.forEach((e, i) => {
    if (!parseTableRef(e.reference)) errors[`tables[${i}].reference`] = 'Write schema.table or schema.*';
  });
  if (factor && !(/^\d+$/.test(factor) && Number(factor) >= 2 && Number(factor) <= 1024)) errors['options.bisectionFactor'] = 'A whole number from 2 to 1024.';
  if (threshold && !(/^\d+$/.test(threshold) && Number(threshold) >= 1 && Number(threshold) <= 10_000_000)) errors['options.bisectionThreshold'] = 'A whole number from 1 to 10,000,000.';
  return errors;
}
