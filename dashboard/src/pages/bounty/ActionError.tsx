// Errors of the signing pages: the API's codes in words (ErrorNotice), and the wallet's or the
// page's own checks (a refused signature, typed data for another chain) with their own sentence.

import { ApiError } from "../../api/errors";
import { ErrorNotice } from "../../components/ui";

export function ActionError({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError || !(error instanceof Error) || !error.message) return <ErrorNotice error={error} />;
  const rejected = /reject|denied|cancel/i.test(error.message);
  return (
    <div className="notice notice-error" role="alert">
      <p>{rejected ? "The wallet did not sign: nothing was sent. Try again when you are ready to sign." : error.message}</p>
    </div>
  );
}
