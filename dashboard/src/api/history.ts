// The analyses this browser submitted, newest first (localStorage, at most 200), with the file
// names people gave them: the API keeps no file names (a sample is its bytes), so the bounty
// form's file picker offers these by name. The home page's charts read the account's analyses
// from the API (GET /v1/analyses), from any device; `perDay` counts them.

export interface SubmittedAnalysis {
  analysis_id: string;
  sha256: string;
  name: string;
  submitted_at: string;
}

const KEY = "nexus.analyses";
const LIMIT = 200;

export function recentAnalyses(): SubmittedAnalysis[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(parsed) ? (parsed as SubmittedAnalysis[]) : [];
  } catch {
    return [];
  }
}

export function rememberAnalysis(entry: SubmittedAnalysis): void {
  const kept = recentAnalyses().filter((old) => old.analysis_id !== entry.analysis_id);
  localStorage.setItem(KEY, JSON.stringify([entry, ...kept].slice(0, LIMIT)));
}

/** Counts per UTC day (`YYYY-MM-DD`) for the last `days` days, oldest first, zeros included. */
export function perDay(dates: string[], days: number, now: Date = new Date()): { day: string; count: number }[] {
  const counts = new Map<string, number>();
  for (let offset = days - 1; offset >= 0; offset -= 1) {
    const day = new Date(now.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
    counts.set(day, 0);
  }
  for (const date of dates) {
    const day = date.slice(0, 10);
    if (counts.has(day)) counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return [...counts].map(([day, count]) => ({ day, count }));
}
