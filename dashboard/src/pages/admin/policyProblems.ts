// Where a policy problem is: nexus-auth's `POST /v1/policies/validate` gives each problem its
// source name and a 1-based line and column (crates/nexus-proto auth.rs `PolicyProblem`). The
// page lists them in reading order and shows the offending line with a caret under the column,
// so an administrator sees the spot without counting lines; the editor's cursor jumps there.

import type { PolicyProblem } from "../../api/types";

export interface LocatedProblem extends PolicyProblem {
  /** `bounty.cedar:3:14`, or just the source name when the API gave no position. */
  where: string;
  /** The text of the line, when the position is inside the source. */
  lineText?: string;
  /** Spaces up to the column, then `^`. */
  caret?: string;
  /** Character offset of the position in the source (for the editor's selection). */
  offset?: number;
}

/** The offset of a 1-based line and column in `text`, or undefined outside it. */
export function offsetOf(text: string, line: number, column: number): number | undefined {
  if (line < 1 || column < 1) return undefined;
  const lines = text.split("\n");
  const target = lines[line - 1];
  if (target === undefined || column > target.length + 1) return undefined;
  let offset = 0;
  for (let index = 0; index < line - 1; index += 1) offset += (lines[index] as string).length + 1;
  return offset + column - 1;
}

export function locate(problem: PolicyProblem, text: string | undefined): LocatedProblem {
  const name = problem.source_name || "policies";
  const { line, column } = problem;
  if (!line) return { ...problem, where: name };
  const where = column ? `${name}:${line}:${column}` : `${name}:${line}`;
  if (text === undefined) return { ...problem, where };
  const lineText = text.split("\n")[line - 1];
  if (lineText === undefined) return { ...problem, where };
  const located: LocatedProblem = { ...problem, where, lineText: lineText.replace(/\t/g, " ") };
  if (column) {
    located.caret = `${" ".repeat(Math.max(0, column - 1))}^`;
    located.offset = offsetOf(text, line, column);
  }
  return located;
}

/** Every problem located in its source, ordered by source, line, then column. */
export function locateAll(problems: PolicyProblem[], sources: { name: string; text: string }[]): LocatedProblem[] {
  const order = new Map(sources.map((source, index) => [source.name, index]));
  return [...problems]
    .sort(
      (a, b) =>
        (order.get(a.source_name) ?? -1) - (order.get(b.source_name) ?? -1) ||
        (a.line ?? 0) - (b.line ?? 0) ||
        (a.column ?? 0) - (b.column ?? 0),
    )
    .map((problem) => locate(problem, sources.find((source) => source.name === problem.source_name)?.text));
}

/** The `before` cursor of the audit log's next page: the last id, when the page was full. */
export function nextBefore(entries: { id: string }[], limit: number): string | undefined {
  return entries.length >= limit ? entries.at(-1)?.id : undefined;
}
