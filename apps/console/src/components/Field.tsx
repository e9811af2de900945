import { cloneElement, isValidElement, type ReactElement, type ReactNode, useId } from 'react';

interface ControlProps {
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  'aria-required'?: boolean;
}

/**
 * A labelled form control with its hint and error text: the label points at the control, and
 * the control carries aria-invalid and aria-describedby, so a screen reader reads the error.
 * The one child is the control (`<input>`, `<select>`, `<textarea>`); it gets an id if it has none.
 */
export function Field({ label, error, hint, required, children }: { label: ReactNode; error?: string; hint?: ReactNode; required?: boolean; children: ReactElement<ControlProps> }) {
  const generated = useId();
  const control = isValidElement(children) ? children : null;
  const id = control?.props.id ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [control?.props['aria-describedby'], hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {control ? cloneElement(control, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'aria-required': required || undefined }) : children}
      {hint ? (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={errorId} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}
