// Display helpers shared by the pages.

import { formatUnits } from "viem";

/** Wei (decimal string) as NXS with at most 4 decimals; the input itself when malformed. */
export function formatNxs(wei: string): string {
  try {
    const [whole, fraction = ""] = formatUnits(BigInt(wei), 18).split(".");
    const kept = fraction.slice(0, 4).replace(/0+$/, "");
    return `${Number(whole).toLocaleString("en")}${kept ? `.${kept}` : ""} NXS`;
  } catch {
    return wei;
  }
}

/** Wei as a float of NXS, for charts only (precision does not matter there). */
export function nxsNumber(wei: string): number {
  try {
    return Number(formatUnits(BigInt(wei), 18));
  } catch {
    return 0;
  }
}

export function shortHash(hash: string, keep = 10): string {
  return hash.length > keep * 2 ? `${hash.slice(0, keep)}…${hash.slice(-6)}` : hash;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
