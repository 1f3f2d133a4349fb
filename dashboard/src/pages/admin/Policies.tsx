// Administration → policies: write Cedar policy sources and check them with nexus-auth's
// `POST /v1/policies/validate`, which parses and validates the set against the schema and
// answers every problem with its source, line and column. Each problem is listed with its
// line and a caret under the column, and "Show" puts the editor's cursor there.
//
// Publishing (`POST /v1/policies`) replaces the whole active set, and the API has no public read
// of the active set yet, so this page validates only: publishing from it could silently drop
// every policy not pasted in. Publish with the API once a set validates (docs/AUTHORIZATION.md).

import { useRef, useState, type FormEvent } from "react";
import { adminApi } from "../../api/endpoints";
import type { PolicySource } from "../../api/types";
import { EmptyState, ErrorNotice } from "../../components/ui";
import { AdminFrame } from "./AdminNav";
import { locateAll, type LocatedProblem } from "./policyProblems";

const EXAMPLE = `@id("analysts-read-rulesets")
permit (
  principal is User in Role::"analyst",
  action == Action::"ruleset:read",
  resource is Ruleset
);
`;

export function AdminPoliciesPage() {
  const [sources, setSources] = useState<PolicySource[]>([{ name: "draft.cedar", text: EXAMPLE }]);
  const [problems, setProblems] = useState<LocatedProblem[] | null>(null);
  const [digest, setDigest] = useState<string | undefined>();
  const [nameProblem, setNameProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const editors = useRef(new Map<string, HTMLTextAreaElement>());

  const edit = (index: number, change: Partial<PolicySource>) => {
    setProblems(null);
    setSources((old) => old.map((source, at) => (at === index ? { ...source, ...change } : source)));
  };

  const validate = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const names = sources.map((source) => source.name.trim());
    if (names.some((name) => !name || name.length > 100)) {
      setNameProblem("Give every source a name of 1 to 100 characters, like bounty.cedar.");
      return;
    }
    if (new Set(names).size !== names.length) {
      setNameProblem("Two sources have the same name: rename one.");
      return;
    }
    setNameProblem(undefined);
    setBusy(true);
    try {
      const trimmed = sources.map((source) => ({ ...source, name: source.name.trim() }));
      const answer = await adminApi.validatePolicies(trimmed);
      setProblems(answer.valid ? [] : locateAll(answer.errors, trimmed));
      setDigest(answer.digest ?? undefined);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const show = (problem: LocatedProblem) => {
    const editor = editors.current.get(problem.source_name);
    if (!editor || problem.offset === undefined) return;
    editor.focus();
    editor.setSelectionRange(problem.offset, problem.offset + 1);
  };

  return (
    <AdminFrame title="Policies">
      <p>Check Cedar policies before publishing them: every problem is shown at its line and column.</p>
      <form onSubmit={validate} noValidate aria-label="Validate policies">
        {sources.map((source, index) => (
          <fieldset key={index} className="policy-source">
            <legend>Source {index + 1}</legend>
            <div className="field">
              <label htmlFor={`source-name-${index}`}>File name</label>
              <input id={`source-name-${index}`} value={source.name} onChange={(event) => edit(index, { name: event.target.value })} />
            </div>
            <div className="field">
              <label htmlFor={`source-text-${index}`}>Cedar text</label>
              <textarea id={`source-text-${index}`} className="code-editor" rows={12} spellCheck={false} value={source.text}
                ref={(element) => {
                  if (element) editors.current.set(source.name.trim(), element);
                }}
                onChange={(event) => edit(index, { text: event.target.value })} data-testid={`policy-text-${index}`} />
            </div>
            {sources.length > 1 && (
              <button type="button" className="secondary" onClick={() => setSources((old) => old.filter((_, at) => at !== index))}>
                Remove this source
              </button>
            )}
          </fieldset>
        ))}
        {nameProblem && <p className="field-error" role="alert">{nameProblem}</p>}
        <div className="actions">
          <button type="button" className="secondary"
            onClick={() => setSources((old) => [...old, { name: `source-${old.length + 1}.cedar`, text: "" }])}>
            Add a source
          </button>
          <button type="submit" disabled={busy}>{busy ? "Validating…" : "Validate"}</button>
        </div>
      </form>
      <ErrorNotice error={error} />
      {problems !== null && problems.length === 0 && (
        <p className="notice" role="status" data-testid="policies-valid">
          The policies are valid{digest ? ` (digest ${digest})` : ""}.
        </p>
      )}
      {problems !== null && problems.length > 0 && (
        <div role="alert" data-testid="policy-problems">
          <h2>{problems.length === 1 ? "1 problem" : `${problems.length} problems`}</h2>
          <ol className="problems">
            {problems.map((problem, index) => (
              <li key={index}>
                <p>
                  <strong data-testid="policy-problem-where">{problem.where}</strong>
                  {problem.policy_id ? ` (policy ${problem.policy_id})` : ""}: {problem.message}
                </p>
                {problem.lineText !== undefined && (
                  <pre className="excerpt" aria-label={`Line ${problem.line}`}>
                    {`${problem.lineText}${problem.caret ? `\n${problem.caret}` : ""}`}
                  </pre>
                )}
                {problem.offset !== undefined && (
                  <button type="button" className="secondary" onClick={() => show(problem)}>
                    Show in the editor
                  </button>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
      {problems === null && !error && (
        <EmptyState title="Not validated yet">
          <p>Edit the policies above and press Validate.</p>
        </EmptyState>
      )}
    </AdminFrame>
  );
}
