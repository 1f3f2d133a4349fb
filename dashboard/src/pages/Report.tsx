// The analysis report: everything GET /v1/analyses/{id} returns (schema:
// docs/schemas/analysis-report.v1.json), plus similar files from GET /v1/files/{sha256}/similar.
// While the analysis runs, the page follows `analysis:{id}` and re-reads the report when it ends.

import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/endpoints";
import { isTerminal, type AnalysisReport, type AnalysisView, type Section, type SimilarFiles } from "../api/types";
import { formatBytes, formatDate, shortHash } from "../components/format";
import { EmptyState, ErrorNotice } from "../components/ui";
import { useTopic } from "../live/LiveContext";
import { ReportDownload } from "./ReportDownload";
import { VerdictPanel } from "./VerdictPanel";
import { FollowFile } from "./NotificationsFollow";

export function ReportPage() {
  const { id = "" } = useParams();
  const [view, setView] = useState<AnalysisView | null>(null);
  const [similar, setSimilar] = useState<SimilarFiles | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    api.analysis(id).then(setView, setError);
  }, [id]);
  useEffect(load, [load]);
  useEffect(() => {
    if (view?.sha256) api.similar(view.sha256).then(setSimilar, () => setSimilar(null));
  }, [view?.sha256]);
  const running = view ? !isTerminal(view.status) : false;
  useTopic(running ? `analysis:${id}` : null, load, load);

  if (error) return <section><h1>Analysis report</h1><ErrorNotice error={error} /></section>;
  if (!view) return <section><h1>Analysis report</h1><p aria-busy="true">Loading the report…</p></section>;
  const report = view.report;
  return (
    <section className="report">
      <h1>Analysis report</h1>
      <dl className="facts">
        <div><dt>Status</dt><dd>{view.status}{running && view.stage ? ` (${view.stage})` : ""}</dd></div>
        <div><dt>Verdict</dt><dd><span className={`verdict verdict-${view.verdict ?? "unknown"}`}>{view.verdict ?? "pending"}</span></dd></div>
        <div><dt>Score</dt><dd>{view.score ?? "—"}/100</dd></div>
        <div><dt>Rules</dt><dd>{view.ruleset_version}</dd></div>
        <div><dt>Submitted</dt><dd>{formatDate(view.created_at)}</dd></div>
        <div><dt>Finished</dt><dd>{formatDate(view.completed_at)}</dd></div>
      </dl>
      {view.error && <p className="notice notice-error">The analysis failed: {view.error}</p>}
      {running && <p aria-live="polite">The analysis is running; this page updates when it ends.</p>}
      {report && <ReportDownload id={view.id} />}
      {report ? <ReportBody report={report} /> : !running && <EmptyState title="No report">
        <p>This analysis produced no report. Submit the file again, or ask an administrator to re-analyse it.</p>
      </EmptyState>}
      {view.sha256 && <FollowFile sha256={view.sha256} />}
      {view.sha256 && <VerdictPanel sha256={view.sha256} />}
      <h2>Similar files</h2>
      {similar && similar.matches.length > 0 ? (
        <div className="table-wrap"><table>
          <thead><tr><th scope="col">SHA-256</th><th scope="col">Score</th><th scope="col">ssdeep</th><th scope="col">TLSH distance</th><th scope="col">Imphash</th></tr></thead>
          <tbody>{similar.matches.map((match) => (
            <tr key={match.sha256}><td><code>{shortHash(match.sha256)}</code></td><td>{match.score}</td><td>{match.ssdeep_score ?? "—"}</td><td>{match.tlsh_distance ?? "—"}</td><td>{match.imphash_match ? "same" : "—"}</td></tr>
          ))}</tbody>
        </table></div>
      ) : (
        <p>No similar files are known.</p>
      )}
    </section>
  );
}

function ReportBody({ report }: { report: AnalysisReport }) {
  const sections: Section[] = report.pe?.sections ?? report.elf?.sections ?? report.macho?.architectures.flatMap((arch) => arch.segments) ?? [];
  const iocs = Object.entries(report.iocs).filter(([, values]) => values.length > 0);
  return (
    <>
      <h2>File</h2>
      <dl className="facts">
        <div><dt>Type</dt><dd>{report.file.description || report.file.file_type}</dd></div>
        <div><dt>MIME</dt><dd>{report.file.mime}</dd></div>
        <div><dt>Size</dt><dd>{formatBytes(report.file.size)}</dd></div>
        <div><dt>Entropy</dt><dd>{report.entropy.toFixed(3)}</dd></div>
        {report.pe && <div><dt>PE</dt><dd>{report.pe.machine}, {report.pe.is_64 ? "64-bit" : "32-bit"}{report.pe.is_dll ? " DLL" : ""}, {report.pe.subsystem}{report.pe.compile_time ? `, built ${report.pe.compile_time}` : ""}</dd></div>}
        {report.elf && <div><dt>ELF</dt><dd>{report.elf.class} {report.elf.elf_type}, {report.elf.machine}{report.elf.interpreter ? `, ${report.elf.interpreter}` : ""}</dd></div>}
        {report.macho && <div><dt>Mach-O</dt><dd>{report.macho.architectures.map((arch) => arch.cpu_type).join(", ")}</dd></div>}
      </dl>
      <h2>Hashes</h2>
      <dl className="facts hashes">
        {(["md5", "sha1", "sha256", "ssdeep", "tlsh", "imphash"] as const).map((name) =>
          report.hashes[name] ? <div key={name}><dt>{name.toUpperCase()}</dt><dd><code>{report.hashes[name]}</code></dd></div> : null,
        )}
      </dl>
      <h2>Verdict reasons</h2>
      {report.verdict_reasons.length > 0 ? <ul>{report.verdict_reasons.map((reason) => <li key={reason}>{reason}</li>)}</ul> : <p>No reasons recorded.</p>}
      <h2>Indicators</h2>
      {report.indicators.length > 0 ? (
        <div className="table-wrap"><table>
          <thead><tr><th scope="col">Severity</th><th scope="col">Indicator</th><th scope="col">ATT&amp;CK</th><th scope="col">Evidence</th></tr></thead>
          <tbody>{report.indicators.map((indicator) => (
            <tr key={indicator.id}><td><span className={`severity severity-${indicator.severity}`}>{indicator.severity}</span></td><td>{indicator.description}</td>
              <td>{indicator.mitre_attack ? <a href={`https://attack.mitre.org/techniques/${indicator.mitre_attack.replace(".", "/")}/`} rel="noreferrer noopener" target="_blank">{indicator.mitre_attack}</a> : "—"}</td>
              <td>{indicator.evidence.slice(0, 3).join("; ")}</td></tr>
          ))}</tbody>
        </table></div>
      ) : <p>No indicators.</p>}
      <h2>YARA matches</h2>
      {report.yara.length > 0 ? <ul>{report.yara.map((match) => <li key={`${match.namespace}:${match.rule}`}><code>{match.rule}</code> ({match.namespace}){match.tags.length ? ` — ${match.tags.join(", ")}` : ""}</li>)}</ul> : <p>No rule matched.</p>}
      <h2>Sections</h2>
      {sections.length > 0 ? (
        <div className="table-wrap"><table>
          <thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Entropy</th></tr></thead>
          <tbody>{sections.map((section, index) => (
            <tr key={`${section.name}-${index}`}><td><code>{section.name || "(unnamed)"}</code></td><td>{formatBytes(section.raw_size ?? section.size ?? 0)}</td>
              <td><meter min={0} max={8} value={section.entropy} aria-label={`Entropy of ${section.name || "section"}`} /> {section.entropy.toFixed(2)}</td></tr>
          ))}</tbody>
        </table></div>
      ) : <p>This format has no sections.</p>}
      <h2>Imports</h2>
      {report.pe && report.pe.imports.length > 0 ? (
        <ul className="imports">{report.pe.imports.map((library) => (
          <li key={library.library}><strong>{library.library}</strong>{library.delayed ? " (delayed)" : ""}: {library.functions.slice(0, 20).map((fn) => fn.name ?? `#${fn.ordinal}`).join(", ")}{library.functions.length > 20 ? ` and ${library.functions.length - 20} more` : ""}</li>
        ))}</ul>
      ) : report.elf && report.elf.needed.length > 0 ? (
        <ul>{report.elf.needed.map((lib) => <li key={lib}>{lib}</li>)}</ul>
      ) : <p>No imports.</p>}
      <h2>Indicators of compromise</h2>
      {iocs.length > 0 ? (
        <dl className="facts">{iocs.map(([kind, values]) => <div key={kind}><dt>{kind.replace(/_/g, " ")}</dt><dd>{values.slice(0, 20).map((value) => <code key={value} className="ioc">{value}</code>)}</dd></div>)}</dl>
      ) : <p>None found.</p>}
      <h2>Strings</h2>
      <p>{report.strings.total} strings{report.strings.truncated ? " (list truncated)" : ""}.</p>
      {report.strings.items.length > 0 && (
        <details>
          <summary>Show the first {Math.min(100, report.strings.items.length)}</summary>
          <ul className="strings">{report.strings.items.slice(0, 100).map((item) => <li key={`${item.offset}-${item.encoding}`}><code>{item.value}</code></li>)}</ul>
        </details>
      )}
      <h2>Stages</h2>
      <ul>{report.stages.map((stage) => <li key={stage.name}>{stage.name}: {stage.ms.toFixed(1)} ms{stage.error ? ` — failed: ${stage.error}` : ""}</li>)}</ul>
      <p className="muted">Engine {report.engine_version}, report schema {report.schema_version}. <Link to="/submit">Submit another file</Link>.</p>
    </>
  );
}
