//! Wire types of the bounty service's intents and create endpoints:
//! `GET /v1/bounties/intents/{kind}` (the EIP-712 typed data a wallet signs) and
//! `POST /v1/bounties` (terms + signed intent + signed permit).
