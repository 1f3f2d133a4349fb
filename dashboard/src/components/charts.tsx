// Chart.js through react-chartjs-2, registered once with only the parts the pages use. Each chart
// is a labelled image for assistive technology, followed by the same numbers as a table.

import {
  ArcElement,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import { Bar, Doughnut, Line } from "react-chartjs-2";

ChartJS.register(ArcElement, BarElement, CategoryScale, LinearScale, LineElement, PointElement, Tooltip, Legend);
// No animation: charts appear at once and screenshots are stable.
ChartJS.defaults.animation = false;
ChartJS.defaults.color = "#1f2937";

interface Series {
  label: string;
  values: number[];
  color: string;
}

function DataTable({ caption, labels, series }: { caption: string; labels: string[]; series: Series[] }) {
  return (
    // The wrapper hides it: a table box ignores `overflow`, so on the table itself its
    // unwrapped cells would widen the page.
    <div className="sr-only">
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Label</th>
          {series.map((item) => (
            <th scope="col" key={item.label}>{item.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((label, index) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            {series.map((item) => (
              <td key={item.label}>{item.values[index]}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

const options = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" as const } } };

export function BarChart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  return (
    <figure className="chart">
      <div className="chart-canvas">
        <Bar role="img" aria-label={title} options={options}
          data={{ labels, datasets: series.map((item) => ({ label: item.label, data: item.values, backgroundColor: item.color })) }} />
      </div>
      <DataTable caption={title} labels={labels} series={series} />
    </figure>
  );
}

export function LineChart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  return (
    <figure className="chart">
      <div className="chart-canvas">
        <Line role="img" aria-label={title} options={options}
          data={{
            labels,
            datasets: series.map((item) => ({ label: item.label, data: item.values, borderColor: item.color, backgroundColor: item.color })),
          }} />
      </div>
      <DataTable caption={title} labels={labels} series={series} />
    </figure>
  );
}

export function DoughnutChart({ title, labels, values, colors }: { title: string; labels: string[]; values: number[]; colors: string[] }) {
  return (
    <figure className="chart">
      <div className="chart-canvas">
        <Doughnut role="img" aria-label={title} options={options}
          data={{ labels, datasets: [{ label: title, data: values, backgroundColor: colors }] }} />
      </div>
      <DataTable caption={title} labels={labels} series={[{ label: "Count", values, color: "" }]} />
    </figure>
  );
}

export const VERDICT_COLORS: Record<string, string> = {
  malicious: "#b91c1c",
  suspicious: "#b45309",
  benign: "#15803d",
  unknown: "#4b5563",
};
