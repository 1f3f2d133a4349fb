// "Download report (PDF)" and "(HTML)" on the analysis report page: GET
// /v1/analyses/{id}/export?format=pdf|html. The API takes bearer tokens (never cookies), so a
// plain link would be refused: the file is fetched with the session's token and handed to the
// browser as a download. The HTML report is self-contained (no script, nothing loaded).

import { useState } from "react";
import { apiUrl, errorFrom, refresh } from "../api/client";
import { currentTokens } from "../api/session";
import { ErrorNotice } from "../components/ui";

export type ReportFormat = "pdf" | "html";

/** The API path of an analysis's report in `format`. */
export function reportUrl(id: string, format: ReportFormat): string {
  return apiUrl(`/analyses/${encodeURIComponent(id)}/export`, { format });
}

/** The file name the download is saved under. */
export function reportFileName(id: string, format: ReportFormat): string {
  return `nexus-analysis-${id}.${format}`;
}

async function fetchReport(id: string, format: ReportFormat): Promise<Blob> {
  const send = () => {
    const token = currentTokens()?.access_token;
    return fetch(reportUrl(id, format), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  };
  let answer = await send();
  if (answer.status === 401 && currentTokens() && (await refresh())) answer = await send();
  if (!answer.ok) throw errorFrom(answer.status, await answer.text(), answer.headers.get("retry-after"));
  return answer.blob();
}

export function ReportDownload({ id }: { id: string }) {
  const [busy, setBusy] = useState<ReportFormat | null>(null);
  const [error, setError] = useState<unknown>(null);
  const download = async (format: ReportFormat) => {
    setBusy(format);
    setError(null);
    try {
      const url = URL.createObjectURL(await fetchReport(id, format));
      const link = document.createElement("a");
      link.href = url;
      link.download = reportFileName(id, format);
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="report-download">
      <button type="button" onClick={() => void download("pdf")} disabled={busy !== null} aria-busy={busy === "pdf"}>
        Download report (PDF)
      </button>{" "}
      <button type="button" onClick={() => void download("html")} disabled={busy !== null} aria-busy={busy === "html"}>
        Download report (HTML)
      </button>
      <ErrorNotice error={error} />
    </div>
  );
}
