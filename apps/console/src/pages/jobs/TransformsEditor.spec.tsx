import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { rowToTransform, type TransformRow } from './transforms-form';
import { TransformsEditor } from './TransformsEditor';

afterEach(cleanup);

/** The editor with its rows held as the form holds them; `seen` gets every change. */
function Harness({ seen, errors = {} }: { seen: (rows: TransformRow[]) => void; errors?: Record<string, string> }) {
  const [rows, setRows] = useState<TransformRow[]>([]);
  return (
    <TransformsEditor
      rows={rows}
      columns={[{ name: 'email', nativeType: 'text' }]}
      at="tables[0]"
      errors={errors}
      editable
      onChange={(next) => {
        setRows(next);
        seen(next);
      }}
    />
  );
}

describe('TransformsEditor', () => {
  it('adds a row per transform and edits it into the API shape', () => {
    let last: TransformRow[] = [];
    render(<Harness seen={(rows) => (last = rows)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add a transform' }));
    fireEvent.change(screen.getByLabelText('Transform 1 column'), { target: { value: 'email' } });
    fireEvent.change(screen.getByLabelText('Transform 1 new name'), { target: { value: 'email_hash' } });
    fireEvent.change(screen.getByLabelText('Transform 1 action'), { target: { value: 'hash' } });
    expect(last.map(rowToTransform)).toEqual([{ column: 'email', rename: 'email_hash', mask: 'hash' }]);

    fireEvent.click(screen.getByRole('button', { name: 'Add a transform' }));
    fireEvent.change(screen.getByLabelText('Transform 2 column'), { target: { value: 'iban' } });
    fireEvent.change(screen.getByLabelText('Transform 2 action'), { target: { value: 'keepLast' } });
    fireEvent.change(screen.getByLabelText('Transform 2 characters kept'), { target: { value: '4' } });
    expect(last.map(rowToTransform)[1]).toEqual({ column: 'iban', mask: { keepLast: 4 } });

    fireEvent.click(screen.getByRole('button', { name: 'Remove transform 1' }));
    expect(last.map(rowToTransform)).toEqual([{ column: 'iban', mask: { keepLast: 4 } }]);
  });

  it('shows the API error of a row under it', () => {
    render(<Harness seen={() => undefined} errors={{ 'tables[0].transforms[0].mask': 'id is a key column' }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add a transform' }));
    expect(screen.getByText(/id is a key column/)).toBeTruthy();
  });
});
