import { type ReactNode, useEffect, useRef, useState } from 'react';
import { ErrorBanner } from './ErrorBanner';

/**
 * A modal question before a destructive action: Escape or Cancel closes it, focus starts on
 * Cancel (so Enter never destroys by accident) and stays in the dialog.
 */
export function ConfirmDialog({ title, children, confirmLabel = 'Confirm', danger = true, onConfirm, onClose }: {
  title: string;
  children?: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  /** May be async; an error it throws is shown in the dialog, which then stays open. */
  onConfirm: () => unknown;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape' && !busy) onClose();
    if (event.key === 'Tab' && dialogRef.current) {
      const focusable = [...dialogRef.current.querySelectorAll<HTMLElement>('button:not([disabled])')];
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last?.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first?.focus();
      }
    }
  };

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" ref={dialogRef} onKeyDown={onKeyDown}>
        <h2 id="confirm-title">{title}</h2>
        {children ? <div className="modal-body">{children}</div> : null}
        <ErrorBanner error={error} />
        <div className="modal-actions">
          <button type="button" ref={cancelRef} onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={danger ? 'danger' : 'primary'} onClick={confirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A button that asks first: `<ConfirmButton title="Delete job nightly?" onConfirm={...}>Delete</ConfirmButton>`. */
export function ConfirmButton({ children, title, message, confirmLabel, onConfirm, disabled, className = 'danger' }: {
  children: ReactNode;
  title: string;
  message?: ReactNode;
  confirmLabel?: string;
  onConfirm: () => unknown;
  disabled?: boolean;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} disabled={disabled}>
        {children}
      </button>
      {open ? (
        <ConfirmDialog title={title} confirmLabel={confirmLabel ?? (typeof children === 'string' ? children : 'Confirm')} onConfirm={onConfirm} onClose={() => setOpen(false)}>
          {message}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
