// Submit a file: drop it (or choose it with the keyboard), watch the upload's progress
// (XMLHttpRequest upload events), then the analysis's progress live on `analysis:{id}`.

import { useCallback, useRef, useState, type DragEvent } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/endpoints";
import { rememberAnalysis } from "../api/history";
import { isTerminal, type AnalysisStatus, type AnalysisView, type UploadAccepted } from "../api/types";
import { formatBytes } from "../components/format";
import { ErrorNotice, Progress } from "../components/ui";
import { useTopic } from "../live/LiveContext";

/** The platform's default upload limit (gateway route `/v1/files`, 256 MiB). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

interface Live {
  status: AnalysisStatus;
  stage?: string | null;
  verdict?: string | null;
  score?: number | null;
}

interface AnalysisEvent {
  analysis_id: string;
  status: AnalysisStatus;
  stage?: string;
  verdict?: string;
  score?: number;
}

export function SubmitPage() {
  const [file, setFile] = useState<File | null>(null);
  const [visibility, setVisibility] = useState<"private" | "public">("private");
  const [problem, setProblem] = useState<string | undefined>();
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const [accepted, setAccepted] = useState<UploadAccepted | null>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const choose = (chosen: File | undefined) => {
    setError(null);
    setAccepted(null);
    setLive(null);
    setSent(null);
    if (!chosen) return;
    if (chosen.size === 0) setProblem("This file is empty. Choose a file with content.");
    else if (chosen.size > MAX_UPLOAD_BYTES) setProblem(`This file is ${formatBytes(chosen.size)}; the limit is 256 MiB.`);
    else setProblem(undefined);
    setFile(chosen);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const upload = async () => {
    if (!file || problem) return;
    setError(null);
    setSent({ sent: 0, total: file.size });
    try {
      const answer = await api.upload(file, visibility, (done, total) => setSent({ sent: done, total }));
      rememberAnalysis({ analysis_id: answer.analysis_id, sha256: answer.sha256, name: file.name, submitted_at: new Date().toISOString() });
      setAccepted(answer);
      setLive({ status: answer.status });
    } catch (caught) {
      setError(caught);
      setSent(null);
    }
  };

  const analysisId = accepted?.analysis_id ?? null;
  const onEvent = useCallback((event: { payload: AnalysisEvent }) => {
    const payload = event.payload;
    setLive((old) => ({ ...old, status: payload.status, stage: payload.stage ?? old?.stage, verdict: payload.verdict, score: payload.score }));
  }, []);
  // The REST state when the subscription is confirmed covers whatever happened before it.
  const catchUp = useCallback(() => {
    if (!analysisId) return;
    api.analysis(analysisId).then(
      (view: AnalysisView) => setLive({ status: view.status, stage: view.stage, verdict: view.verdict, score: view.score }),
      (caught: unknown) => setError(caught),
    );
  }, [analysisId]);
  const done = live ? isTerminal(live.status) : false;
  useTopic<AnalysisEvent>(analysisId && !done ? `analysis:${analysisId}` : null, onEvent, catchUp);

  return (
    <section>
      <h1>Submit a file</h1>
      <p>The file is analysed statically (it is never run). Private files are visible to you only.</p>
      <div
        className={`dropzone${dragging ? " dragging" : ""}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>Drop a file here, or</p>
        <label className="button secondary" htmlFor="file-input">Choose a file</label>
        <input id="file-input" ref={input} className="sr-only" type="file" onChange={(event) => choose(event.target.files?.[0])} />
        {file && (
          <p className="chosen">
            {file.name} ({formatBytes(file.size)})
          </p>
        )}
        {problem && <p className="field-error" role="alert">{problem}</p>}
      </div>
      <fieldset className="inline">
        <legend>Who may see the report</legend>
        <label><input type="radio" name="visibility" checked={visibility === "private"} onChange={() => setVisibility("private")} /> Only me</label>
        <label><input type="radio" name="visibility" checked={visibility === "public"} onChange={() => setVisibility("public")} /> Everyone</label>
      </fieldset>
      <button type="button" onClick={upload} disabled={!file || Boolean(problem) || (sent !== null && !accepted && !error)}>
        Upload and analyse
      </button>
      <ErrorNotice error={error} />
      {sent && <Progress label="Upload" value={sent.sent} max={sent.total} />}
      {accepted && live && (
        <div className="analysis-status" aria-live="polite" data-testid="analysis-status" data-status={live.status}>
          <h2>Analysis</h2>
          {accepted.duplicate && <p>These bytes were analysed before; showing that analysis.</p>}
          <p>
            Status: <strong>{live.status}</strong>
            {live.stage && !done ? ` (stage: ${live.stage})` : ""}
          </p>
          {!done && <progress aria-label="Analysis in progress" />}
          {done && live.verdict && (
            <p>
              Verdict: <strong className={`verdict verdict-${live.verdict}`}>{live.verdict}</strong>
              {typeof live.score === "number" ? `, score ${live.score}/100` : ""}
            </p>
          )}
          {done && <Link className="button" to={`/analyses/${accepted.analysis_id}`}>Open the report</Link>}
        </div>
      )}
    </section>
  );
}
