import { ApiError, errorMessage } from '../api/errors';

/**
 * An error as the API said it: its message, and each field it named (`details[].field`). Shows
 * nothing for no error. `onDismiss` adds a close button.
 */
export function ErrorBanner({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (error === undefined || error === null) return null;
  const details = error instanceof ApiError ? error.details : [];
  const status = error instanceof ApiError && error.status ? `${error.status}: ` : '';
  return (
    <div className="error-banner" role="alert">
      <div className="error-banner-message">
        {status}
        {errorMessage(error)}
      </div>
      {details.length > 1 || (details.length === 1 && !errorMessage(error).includes(details[0].field)) ? (
        <ul>
          {details.map((d, i) => (
            <li key={`${d.field}-${i}`}>
              <code>{d.field}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
      {onDismiss ? (
        <button type="button" className="link-button" onClick={onDismiss} aria-label="Dismiss error">
          ×
        </button>
      ) : null}
    </div>
  );
}
