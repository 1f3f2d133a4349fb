// One endpoint's delivery log (GET /v1/webhooks/endpoints/{id}/deliveries), newest first, with
// replay (POST /v1/webhooks/messages/{id}/replay): the replayed attempt appears after a re-read.

import { useCallback, useEffect, useState } from "react";
import { deliveryOutcome, kindName, webhookApi, type WebhookDelivery } from "../../api/notifications";
import { formatDate } from "../../components/format";
import { EmptyState, ErrorNotice } from "../../components/ui";

export function WebhookDeliveries({ endpointId }: { endpointId: string }) {
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [queued, setQueued] = useState<string | null>(null);

  const load = useCallback(() => {
    webhookApi.deliveries(endpointId).then((page) => setItems(page.items), setError);
  }, [endpointId]);
  useEffect(load, [load]);

  const replay = async (messageId: string) => {
    setError(null);
    try {
      await webhookApi.replay(messageId);
      setQueued(messageId);
      load();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div className="deliveries" data-testid="webhook-deliveries">
      <ErrorNotice error={error} />
      {queued && <p role="status">Replay queued: the new attempt shows here once it is sent. <button type="button" className="link-button" onClick={load}>Refresh</button></p>}
      {items === null ? (
        !error && <p aria-busy="true">Loading deliveries…</p>
      ) : items.length === 0 ? (
        <EmptyState title="No delivery yet">
          <p>Attempts show here once a notice of a kind this endpoint takes is sent to it.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Delivery attempts, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col"><span className="sr-only">Replay</span></th></tr></thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>{formatDate(item.attempted_at)}</td>
                  <td>{kindName(item.event_type)}</td>
                  <td>{item.attempt}</td>
                  <td title={item.response_excerpt}>{deliveryOutcome(item)}</td>
                  <td>
                    <button type="button" className="secondary" onClick={() => replay(item.message_id)}
                      aria-label={`Replay the ${kindName(item.event_type)} message of ${formatDate(item.attempted_at)}`}>Replay</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
