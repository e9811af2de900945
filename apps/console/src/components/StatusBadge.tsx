const TONE: Record<string, string> = {
  succeeded: 'ok',
  ok: 'ok',
  up: 'ok',
  reachable: 'ok',
  enabled: 'ok',
  done: 'ok',
  applied: 'ok',
  running: 'active',
  queued: 'pending',
  pending: 'pending',
  planned: 'pending',
  received: 'pending',
  failed: 'bad',
  down: 'bad',
  unreachable: 'bad',
  error: 'bad',
  cancelled: 'muted',
  disabled: 'muted',
  skipped: 'muted',
  warn: 'warn',
  warning: 'warn',
};

/** A run, table, connection or job state as a coloured label (the text says it too, for screen readers and print). */
export function StatusBadge({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`badge badge-${TONE[status.toLowerCase()] ?? 'muted'}`} title={title}>
      {status}
    </span>
  );
}
