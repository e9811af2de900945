import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { Bar, Line } from 'react-chartjs-2';
import {
  bucketLabel,
  type Dashboard,
  describeTotals,
  QUEUE_STATE_COLOURS,
  QUEUE_STATE_LABELS,
  QUEUE_STATES,
  RUN_STATUSES,
  seriesTotals,
  STATUS_COLOURS,
} from './dashboard-data';

// Only what these three charts draw: Chart.js is tree-shaken into the dashboard's own chunk.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const common = { animation: false as const, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' as const } } };

export function RunsPerStatusChart({ data }: { data: Dashboard }) {
  const label = `Runs per status per ${data.bucket}, last ${data.range}: ${describeTotals(seriesTotals(data.runsOverTime))}`;
  return (
    <div className="chart-box">
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels: data.runsOverTime.map((b) => bucketLabel(b.at, data.bucket)),
          datasets: RUN_STATUSES.map((s) => ({ label: s, data: data.runsOverTime.map((b) => b[s]), backgroundColor: STATUS_COLOURS[s], stack: 'runs' })),
        }}
        options={{ ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }}
      />
    </div>
  );
}

export function RowsPerSecondChart({ data }: { data: Dashboard }) {
  const rates = data.recentRuns.map((r) => r.rowsPerSecond ?? 0);
  const peak = rates.length ? Math.max(...rates) : 0;
  const label = data.recentRuns.length ? `Rows per second of the latest ${data.recentRuns.length} runs; peak ${peak.toLocaleString('en-US')} rows/s` : 'No run has started yet';
  return (
    <div className="chart-box">
      <Line
        aria-label={label}
        role="img"
        data={{
          labels: data.recentRuns.map((r) => `${r.jobName} ${new Date(r.startedAt).toISOString().slice(5, 16).replace('T', ' ')}`),
          datasets: [{ label: 'rows/s', data: rates, borderColor: STATUS_COLOURS.running, backgroundColor: STATUS_COLOURS.running, pointRadius: 3, tension: 0.2 }],
        }}
        options={{ ...common, plugins: { legend: { display: false } }, scales: { x: { ticks: { display: false } }, y: { beginAtZero: true } } }}
      />
    </div>
  );
}

export function QueueDepthChart({ data }: { data: Dashboard }) {
  const label = `Queue depths: ${data.queues.map((q) => `${q.name} ${QUEUE_STATES.map((s) => `${q[s]} ${QUEUE_STATE_LABELS[s]}`).join(', ')}`).join('; ')}`;
  return (
    <div className="chart-box">
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels: data.queues.map((q) => q.name),
          datasets: QUEUE_STATES.map((s) => ({ label: QUEUE_STATE_LABELS[s], data: data.queues.map((q) => q[s]), backgroundColor: QUEUE_STATE_COLOURS[s], stack: 'depth' })),
        }}
        options={{ ...common, indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } }}
      />
    </div>
  );
}
