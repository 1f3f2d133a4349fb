//! The bounty service's one error enum: each variant has a stable code (docs/ERRORS.md,
//! "nexus-bounty") and is mapped to HTTP once, here. Infrastructure failures keep the
//! classification of the crate they come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::{Denied, DependencyError};
use uuid::Uuid;

use crate::domain::cursor::InvalidCursor;
use crate::domain::intent::IntentError;
use crate::domain::terms::PostingError;

/// Everything that can go wrong in the bounty service.
#[derive(Debug, thiserror::Error)]
pub enum BountyError {
    /// No such bounty, or one the caller may not read (the same answer, so probing ids reveals
    /// nothing).
    #[error("no bounty {0} exists that you may read")]
    BountyNotFound(Uuid),
    /// A list cursor from another sort, or not from this list at all.
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    /// A list filter or page size out of range; the message names it.
    #[error("{0}")]
    InvalidFilter(String),
    /// A signed intent or permit that is malformed (400), not signed by its signer over these
    /// values, or expired (422); the message names the field.
    #[error(transparent)]
    InvalidIntent(#[from] IntentError),
    /// A posted bounty's artifact or amount is malformed (400 `invalid_artifact`,
    /// `invalid_amount`); the message names the field.
    #[error(transparent)]
    InvalidPosting(#[from] PostingError),
    /// A posted bounty's terms are outside the governed parameters read from the chain (422
    /// `reward_too_low`, `min_stake_too_low`, `deadline_outside_window`, `amount_above_supply`).
    #[error("{0}; change the terms and sign them again")]
    TermsRefused(#[from] nexus_core::bounty::TermsError),
    /// A file artifact that is not stored, or that the caller neither uploaded nor may read as
    /// public (the same answer, so probing hashes reveals nothing).
    #[error(
        "no file with SHA-256 {0} is stored that you uploaded or that is public; upload it \
         first (POST /api/v1/files)"
    )]
    FileNotFound(String),
    /// The chain node or the contracts' deployments file cannot be read now; retry later.
    #[error("the chain cannot be read right now: {0}; try again in a minute")]
    ChainUnavailable(String),
    /// An intent's signer is not a wallet the caller linked (`POST /v1/users/me/wallets`).
    #[error(
        "the intent was signed by {0}, which is not a wallet linked to your account; link it \
         first (POST /api/v1/users/me/wallets) or sign with a linked one"
    )]
    WalletNotLinked(alloy::primitives::Address),
    /// nexus-user could not be asked (down, timed out, or answered an error).
    #[error("the user service is unavailable")]
    UserServiceUnavailable(#[source] nexus_client::ClientError),
    /// nexus-analysis could not be asked (down, timed out, or answered an error).
    #[error("the analysis service is unavailable")]
    AnalysisServiceUnavailable(#[source] nexus_client::ClientError),
    /// No such comment on this bounty (or it was deleted).
    #[error("no comment {0} exists on this bounty")]
    CommentNotFound(Uuid),
    /// A comment's text is empty, too long or holds control characters; the message says which.
    #[error(transparent)]
    InvalidComment(#[from] crate::domain::comments::InvalidComment),
    /// The caller posted too many comments lately.
    #[error("you posted {0} comments within a minute, the most allowed; wait {1} seconds")]
    CommentsRateLimited(u32, u32),
    /// The comment rate limit (Redis) cannot be checked now.
    #[error("comments cannot be posted right now; try again in a minute")]
    CommentsUnavailable(#[source] redis::RedisError),
    /// The bounty's state (at the chain's latest block) does not allow the action now; `code`
    /// names what is missing (`bounty_not_open`, `bounty_not_revealing`, ...).
    #[error("bounty {id} is {status}: {needs}")]
    WrongState {
        /// The bounty.
        id: Uuid,
        /// Its phase now.
        status: &'static str,
        /// The stable code.
        code: &'static str,
        /// What the action needs, for a person.
        needs: String,
    },
    /// A commitment's stake is below the bounty's minimum.
    #[error("the stake {stake} wei is below this bounty's minimum of {minimum} wei; stake more")]
    StakeTooLow {
        /// The stake asked for.
        stake: String,
        /// The bounty's minimum.
        minimum: String,
    },
    /// Only the creator or an analyst who revealed may dispute a bounty's result.
    #[error(
        "only the bounty's creator or an analyst who revealed an assertion on it may dispute it; \
         {0} did neither"
    )]
    NotParticipant(alloy::primitives::Address),
    /// The account has nothing cooling down: it never asked to unstake (as far as the confirmed
    /// chain says), or its cooldown's tokens were released already.
    #[error(
        "{0} has no unstake cooling down (request one with POST /v1/bounties/unstakes; a request \
         shows here once its transaction is confirmed)"
    )]
    UnstakeNotFound(alloy::primitives::Address),
    /// The account's unstake cooldown is not over yet.
    #[error(
        "the unstake of {account} cools down until {unlock_time} (unix seconds, chain time); \
         ask again then, or let the scheduler release it"
    )]
    UnstakeCoolingDown {
        /// The account.
        account: alloy::primitives::Address,
        /// When the cooldown ends.
        unlock_time: i64,
    },
    /// The caller may not do this (the policies or an API key's scopes decided).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// PostgreSQL failed; classified once for every service ([`DependencyError`]): unreachable
    /// is 503 `database_unavailable`, anything else 500 `internal_error`.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A broken invariant; the client sees an opaque 500, the log the message.
    #[error("{0}")]
    Internal(String),
}

impl HttpError for BountyError {
    fn status(&self) -> StatusCode {
        match self {
            BountyError::BountyNotFound(_) => StatusCode::NOT_FOUND,
            BountyError::InvalidCursor(_) | BountyError::InvalidFilter(_) => {
                StatusCode::BAD_REQUEST
            }
            BountyError::InvalidIntent(IntentError::Malformed { .. }) => StatusCode::BAD_REQUEST,
            BountyError::InvalidPosting(_) => StatusCode::BAD_REQUEST,
            BountyError::TermsRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            BountyError::FileNotFound(_) => StatusCode::NOT_FOUND,
            BountyError::InvalidIntent(_) => StatusCode::UNPROCESSABLE_ENTITY,
            BountyError::WalletNotLinked(_) => StatusCode::FORBIDDEN,
            BountyError::ChainUnavailable(_)
            | BountyError::UserServiceUnavailable(_)
            | BountyError::AnalysisServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            BountyError::CommentNotFound(_) => StatusCode::NOT_FOUND,
            BountyError::InvalidComment(_) => StatusCode::BAD_REQUEST,
            BountyError::CommentsRateLimited(..) => StatusCode::TOO_MANY_REQUESTS,
            BountyError::CommentsUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            BountyError::WrongState { .. } => StatusCode::CONFLICT,
            BountyError::StakeTooLow { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            BountyError::NotParticipant(_) => StatusCode::FORBIDDEN,
            BountyError::UnstakeNotFound(_) => StatusCode::NOT_FOUND,
            BountyError::UnstakeCoolingDown { .. } => StatusCode::CONFLICT,
            BountyError::Denied(denied) => denied.status(),
            BountyError::Db(error) => error.classify().status,
            BountyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            BountyError::BountyNotFound(_) => "bounty_not_found",
            BountyError::InvalidCursor(_) => "invalid_cursor",
            BountyError::InvalidFilter(_) => "invalid_filter",
            BountyError::InvalidIntent(error) => error.code(),
            BountyError::InvalidPosting(error) => error.code(),
            BountyError::TermsRefused(error) => error.code(),
            BountyError::FileNotFound(_) => "file_not_found",
            BountyError::ChainUnavailable(_) => "chain_unavailable",
            BountyError::WalletNotLinked(_) => "wallet_not_linked",
            BountyError::UserServiceUnavailable(_) => "user_service_unavailable",
            BountyError::AnalysisServiceUnavailable(_) => "analysis_service_unavailable",
            BountyError::CommentNotFound(_) => "comment_not_found",
            BountyError::InvalidComment(_) => "invalid_comment",
            BountyError::CommentsRateLimited(..) => "comments_rate_limited",
            BountyError::CommentsUnavailable(_) => "comments_unavailable",
            BountyError::WrongState { code, .. } => code,
            BountyError::StakeTooLow { .. } => "stake_too_low",
            BountyError::NotParticipant(_) => "not_a_participant",
            BountyError::UnstakeNotFound(_) => "unstake_not_found",
            BountyError::UnstakeCoolingDown { .. } => "unstake_cooling_down",
            BountyError::Denied(denied) => denied.code(),
            BountyError::Db(error) => error.classify().code,
            BountyError::Internal(_) => "internal_error",
        }
    }

    fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            BountyError::CommentsRateLimited(_, wait) => Some(*wait),
            _ => None,
        }
    }
}
