import { useSearchParams } from 'react-router';
import { Field } from './Field';

/**
 * A list page's filters, kept in the URL: `setFilter(name, value)` sets one (an empty value
 * clears it) and goes back to the first page, since the old offset counted other rows.
 */
export function useListFilters(): [URLSearchParams, (name: string, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const setFilter = (name: string, value: string) =>
    setParams((current) => {
      const copy = new URLSearchParams(current);
      if (value) copy.set(name, value);
      else copy.delete(name);
      copy.delete('offset');
      return copy;
    });
  return [params, setFilter];
}

/** The Status filter of a list: any status, or one of `statuses`. */
export function StatusFilter({ statuses, value, onChange }: { statuses: readonly string[]; value: string | undefined; onChange: (status: string) => void }) {
  return (
    <Field label="Status">
      <select name="status" value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any status</option>
        {statuses.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </Field>
  );
}
