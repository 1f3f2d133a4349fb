import { describe, expect, it } from "vitest";
import { reportFileName, reportUrl } from "./ReportDownload";

describe("report downloads", () => {
  it("asks the export route for the format", () => {
    expect(reportUrl("0193-ab", "pdf")).toBe("/api/v1/analyses/0193-ab/export?format=pdf");
    expect(reportUrl("a/b", "html")).toBe("/api/v1/analyses/a%2Fb/export?format=html");
  });
  it("names the file as the API does", () => {
    expect(reportFileName("0193-ab", "pdf")).toBe("nexus-analysis-0193-ab.pdf");
  });
});
