import { ATTENDANCE_PLURAL_WORDS } from '../../agenda/model/attendance';
import { percent, weekLabel, type AttendanceWeek } from '../model/summary';

/**
 * Plain SVG, no charting library: 8 groups of 3 bars and one line are a few dozen elements, and a
 * library (Recharts, Chart.js: 40–100 kB gzip) would weigh more than the whole Agenda. The table
 * beside it carries the same numbers for screen readers and for anyone who prefers numbers.
 */
const WIDTH = 720;
const HEIGHT = 300;
const PAD = { top: 20, right: 52, bottom: 40, left: 40 };
const SERIES = [
  { key: 'appointments', label: 'Agendamentos', className: 'chart__bar--appointments' },
  { key: 'confirmations', label: 'Confirmações', className: 'chart__bar--confirmations' },
  { key: 'noShows', label: ATTENDANCE_PLURAL_WORDS.NO_SHOW, className: 'chart__bar--no-shows' },
] as const;

export function WeeklyChart({ weeks }: { weeks: readonly AttendanceWeek[] }) {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxCount = niceMax(Math.max(1, ...weeks.flatMap((w) => [w.appointments, w.confirmations, w.noShows])));
  const maxRate = niceRate(Math.max(0, ...weeks.map((w) => w.noShowRate)));
  const group = plotW / Math.max(1, weeks.length);
  const bar = Math.min(18, (group * 0.75) / SERIES.length);
  const y = (value: number) => PAD.top + plotH - (value / maxCount) * plotH;
  const yRate = (rate: number) => PAD.top + plotH - (rate / maxRate) * plotH;
  const xCenter = (i: number) => PAD.left + group * i + group / 2;
  // Small counts round several quarters to one value (max 1: 0, 0, 1, 1, 1): one grid line each.
  const ticks = [...new Set([0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(maxCount * f)))];
  const line = weeks.map((w, i) => `${i === 0 ? 'M' : 'L'}${xCenter(i).toFixed(1)},${yRate(w.noShowRate).toFixed(1)}`).join(' ');

  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Gráfico das últimas ${weeks.length} semanas: agendamentos, confirmações e faltas por semana, com a taxa de não comparecimento. Os números estão na tabela a seguir.`}
        className="chart__svg"
        data-testid="summary-chart"
      >
        {ticks.map((tick) => (
          <g key={tick} className="chart__grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {[0, 0.5, 1].map((f) => (
          <text key={f} className="chart__rate-axis" x={WIDTH - PAD.right + 6} y={yRate(maxRate * f)} dy="0.32em">
            {percent(maxRate * f)}
          </text>
        ))}
        {weeks.map((w, i) => (
          <g key={w.weekStart} data-week={w.weekStart}>
            {SERIES.map((s, j) => {
              const value = w[s.key];
              const x = xCenter(i) - (bar * SERIES.length) / 2 + bar * j;
              return (
                <rect key={s.key} className={`chart__bar ${s.className}`} x={x} y={y(value)} width={bar - 2} height={Math.max(0, y(0) - y(value))} data-series={s.key} data-value={value}>
                  <title>{`${s.label}, semana de ${weekLabel(w.weekStart)}: ${value}`}</title>
                </rect>
              );
            })}
            <text className="chart__label" x={xCenter(i)} y={HEIGHT - PAD.bottom + 18} textAnchor="middle">
              {weekLabel(w.weekStart)}
            </text>
          </g>
        ))}
        <path className="chart__line" d={line} fill="none" />
        {weeks.map((w, i) => (
          <circle key={w.weekStart} className="chart__point" cx={xCenter(i)} cy={yRate(w.noShowRate)} r={4} data-rate={w.noShowRate}>
            <title>{`Taxa de não comparecimento, semana de ${weekLabel(w.weekStart)}: ${percent(w.noShowRate)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="chart__legend">
        {SERIES.map((s) => (
          <span key={s.key} className="chart__legend-item">
            <span className={`chart__swatch ${s.className}`} aria-hidden="true" />
            {s.label}
          </span>
        ))}
        <span className="chart__legend-item">
          <span className="chart__swatch chart__swatch--line" aria-hidden="true" />
          Taxa de não comparecimento (eixo da direita)
        </span>
      </figcaption>
    </figure>
  );
}

/** A round axis top: 1, 2, 5 × 10ⁿ at or above `value`. */
function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].map((m) => m * power).find((m) => m >= value) ?? 10 * power);
}

function niceRate(rate: number): number {
  return [0.1, 0.2, 0.25, 0.5, 1].find((m) => m >= rate) ?? 1;
}
