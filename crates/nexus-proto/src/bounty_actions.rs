//! Wire types of the bounty service's relayed actions: commitments, reveals, disputes, resolve,
//! claims, refunds and stakes (`POST /v1/bounties/{id}/...`, `POST /v1/bounties/stakes`).
