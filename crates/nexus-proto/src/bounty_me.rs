//! Wire types of an account's own views (`GET /v1/me/assertions`, `GET /v1/me/earnings`),
//! bounty comments and the `user:{id}` earnings events.
