import { render, screen } from '@testing-library/react';
import { ApiError, fieldErrors } from '../api/errors';
import { ErrorBanner } from './ErrorBanner';

describe('ErrorBanner', () => {
  it("shows the API's message with its status, and each named field when the message does not say them", () => {
    const response = new Response(null, { status: 400, statusText: 'Bad Request' });
    const error = ApiError.from(response, {
      statusCode: 400,
      message: 'the job is invalid',
      details: [
        { field: 'name', message: 'name must be shorter than or equal to 100 characters' },
        { field: 'tables[0].source', message: 'no such table' },
      ],
    });
    render(<ErrorBanner error={error} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('400: the job is invalid');
    expect(alert.textContent).toContain('tables[0].source: no such table');
    expect(fieldErrors(error)).toEqual({ name: 'name must be shorter than or equal to 100 characters', 'tables[0].source': 'no such table' });
    expect(error.fieldMessage('tables')).toBe('no such table');
  });

  it('falls back to the status when the body has no message, and renders nothing without an error', () => {
    const error = ApiError.from(new Response(null, { status: 502, statusText: 'Bad Gateway' }), undefined);
    expect(error.message).toBe('502 Bad Gateway');
    const { container } = render(<ErrorBanner error={undefined} />);
    expect(container.textContent).toBe('');
  });
});
