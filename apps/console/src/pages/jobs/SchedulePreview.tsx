import { useEffect, useState } from 'react';
import { errorMessage } from '../../api/errors';
import { describeCron } from './cron-text';
import { schedulePreview } from './jobs-api';

const format = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: 'short', dateStyle: undefined, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));

/**
 * The schedule said in English and its next three fire times, as the API computes them
 * (GET /api/jobs/schedule-preview: the same cron reader as the scheduler), in the schedule's
 * zone and in UTC. Asked again a moment after the user stops typing.
 */
export function SchedulePreview({ schedule, scheduleTz }: { schedule: string; scheduleTz: string }) {
  const cron = schedule.trim();
  const tz = scheduleTz.trim();
  const [next, setNext] = useState<{ times: string[]; zone: string } | { error: string } | null>(null);

  useEffect(() => {
    if (!cron) {
      setNext(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      schedulePreview(cron, tz || undefined, controller.signal).then(
        (r) => setNext({ times: r.next, zone: r.scheduleTz }),
        (e: unknown) => !controller.signal.aborted && setNext({ error: errorMessage(e) }),
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [cron, tz]);

  if (!cron) return <p className="muted">No schedule: the job runs only when started (Run now).</p>;
  const text = describeCron(cron);
  return (
    <div className="jobs-schedule-preview" aria-live="polite">
      <p data-testid="cron-text">
        <strong>{text ?? 'A schedule this page cannot put in words'}</strong>
        {tz ? ` (${tz} time)` : ' (UTC)'}
      </p>
      {next && 'error' in next ? (
        <p className="field-error">{next.error}</p>
      ) : next ? (
        <>
          <span className="muted">Next runs:</span>
          <ol className="jobs-next" data-testid="next-runs">
            {next.times.map((t) => (
              <li key={t}>
                {format(t, next.zone)}
                {next.zone !== 'UTC' ? <span className="muted"> · {format(t, 'UTC')}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="muted">Working out the next runs…</p>
      )}
    </div>
  );
}
