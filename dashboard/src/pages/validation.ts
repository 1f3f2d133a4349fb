// Checks forms make before sending, mirroring the services' rules (nexus-proto user.rs and
// auth.rs) so a person sees the problem at once; the API checks again.

export type Problems<K extends string> = Partial<Record<K, string>>;

export function signInProblems(login: string, password: string): Problems<"login" | "password"> {
  const problems: Problems<"login" | "password"> = {};
  if (!login.trim()) problems.login = "Enter your e-mail address or user name.";
  else if (login.length > 254) problems.login = "This is longer than any login (254 characters at most).";
  if (!password) problems.password = "Enter your password.";
  return problems;
}

export function registerProblems(values: {
  email: string;
  username: string;
  password: string;
  confirm: string;
}): Problems<"email" | "username" | "password" | "confirm"> {
  const problems: Problems<"email" | "username" | "password" | "confirm"> = {};
  const email = values.email.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
    problems.email = "Enter an e-mail address like name@example.com.";
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/.test(values.username)) {
    problems.username = "Use 3 to 32 letters, digits, _ . or -, starting with a letter or digit.";
  }
  if (values.password.length < 12) problems.password = "Use at least 12 characters.";
  else if (new TextEncoder().encode(values.password).length > 1024) problems.password = "Use at most 1024 bytes.";
  if (values.confirm !== values.password) problems.confirm = "The two passwords differ.";
  return problems;
}

export function totpProblem(code: string): string | undefined {
  return /^[0-9]{6}$/.test(code.trim()) ? undefined : "Enter the 6 digits your authenticator app shows.";
}

/** Where to go after signing in: a path of this site (`?next=`), never another site. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}
