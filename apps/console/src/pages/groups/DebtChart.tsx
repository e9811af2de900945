import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { ageSeconds, ageText, type MemberDebt } from './groups';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

/**
 * A group's consistency debt: pending and failed tasks per member as stacked bars, and the age
 * of each member's oldest pending task in its label (the chart's text says it all for a screen reader).
 */
export function DebtChart({ members, nameOf }: { members: MemberDebt[]; nameOf: (connectionId: string) => string }) {
  const labels = members.map((m) => `${nameOf(m.connectionId)} (oldest ${ageText(ageSeconds(m.oldestPendingAt as string | null))})`);
  const label = `Consistency debt: ${members.map((m) => `${nameOf(m.connectionId)} ${m.pending} pending, ${m.failed} failed, oldest ${ageText(ageSeconds(m.oldestPendingAt as string | null))}`).join('; ')}`;
  return (
    <div className="chart-box group-debt-chart">
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels,
          datasets: [
            { label: 'pending', data: members.map((m) => m.pending), backgroundColor: '#d49a1f', stack: 'debt' },
            { label: 'failed', data: members.map((m) => m.failed), backgroundColor: '#c0392b', stack: 'debt' },
          ],
        }}
        options={{
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: 'y',
          plugins: { legend: { position: 'bottom' } },
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
        }}
      />
    </div>
  );
}
