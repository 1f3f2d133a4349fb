//! `GET /v1/files/{sha256}/verdict`: one answer for a file from every revealed assertion on the
//! bounties that named it, each weighed by its analyst's reputation for the file's category and
//! discounted when analysts speak with one voice (nexus-core's `file_verdict`, rules in
//! docs/REPUTATION.md; what this endpoint reads and omits: "The verdict endpoint" there).

use std::str::FromStr;

use actix_web::web;
use chrono::Utc;
use nexus_client::CallContext;
use nexus_core::ChainAddress;
use nexus_core::bounty::ArtifactKind;
use nexus_core::reputation::{
    AgreementTable, Category, Confidence, EngineHint, FileType, PairAgreement, RevealedAssertion,
    TrustLevel, VerdictLabel, file_verdict, reputations,
};
use nexus_core::settlement::Verdict;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::Sha256;
use nexus_proto::report::VerdictHint;
pub use nexus_proto::reputation::{
    EngineHintView, FileVerdictView, VerdictAssertion, VerdictReputation,
};
use nexus_runtime::Caller;

use crate::ReputationService;
use crate::domain::projection::ScoredAssertion;
use crate::domain::trust::wire_level;
use crate::error::ReputationError;

/// The engine's verdict hint as the rule takes it: malicious and benign with the report's score
/// as confidence (at least 50), `suspicious` as malicious at 60 %, `unknown` as no hint.
fn engine_hint(verdict: VerdictHint, score: Option<u8>) -> Option<EngineHint> {
    let (label, percent) = match verdict {
        VerdictHint::Malicious => (VerdictLabel::Malicious, score.unwrap_or(50).max(50)),
        VerdictHint::Benign => (VerdictLabel::Benign, 100 - score.unwrap_or(50).min(50)),
        VerdictHint::Suspicious => (VerdictLabel::Malicious, 60),
        VerdictHint::Unknown => return None,
    };
    Some(EngineHint {
        label,
        confidence: Confidence::from_percent(percent.min(100))?,
    })
}

/// The consensus verdict on a file and every revealed assertion behind it. Public
/// (`user:read_public`, guests included): the assertions are chain facts.
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}/verdict",
    params(("sha256" = String, Path, description = "The file's SHA-256, 64 lower-case hex digits")),
    tag = "reputation",
    responses(
        (status = 200, description = "The file's verdict", body = FileVerdictView),
        (status = 400, description = "Not 64 lower-case hex digits (`invalid_sha256`)", body = ErrorBody),
        (status = 404, description = "No bounty ever named this file (`verdict_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn get_file_verdict(
    service: web::Data<ReputationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<FileVerdictView>, ApiError> {
    let sha256 = Sha256::from_str(&path).map_err(|_| ReputationError::InvalidSha256)?;
    caller.authorize(
        Action::UserReadPublic,
        Resource::UserAccount { id: "*".to_owned() },
    )?;
    let bounties = service
        .store
        .bounties_of_file(&format!("0x{}", sha256.as_str()))
        .await?;
    if bounties.is_empty() {
        return Err(ReputationError::VerdictNotFound.into());
    }
    let reveals = service.store.latest_reveals(&bounties).await?;
    let mut revealed = Vec::with_capacity(reveals.len());
    for reveal in reveals {
        let (Ok(address), Some(verdict), Some(confidence)) = (
            reveal.analyst.parse::<ChainAddress>(),
            match reveal.verdict.as_str() {
                "benign" => Some(Verdict::Benign),
                "malicious" => Some(Verdict::Malicious),
                _ => None,
            },
            u8::try_from(reveal.confidence)
                .ok()
                .and_then(Confidence::from_percent),
        ) else {
            return Err(ReputationError::Internal(format!(
                "a stored reveal of {} on bounty {} does not decode",
                reveal.analyst, reveal.bounty_id
            ))
            .into());
        };
        revealed.push((reveal, address, verdict, confidence));
    }
    let analysts: Vec<String> = revealed
        .iter()
        .map(|(reveal, ..)| reveal.analyst.clone())
        .collect();
    // The file's type and engine hint from nexus-analysis; without an answer (unknown file,
    // analysis down) the verdict stands on the assertions alone, read for type `other`.
    let summary = service
        .analysis
        .file_summary(&CallContext::none(), &sha256)
        .await
        .map_err(|error| {
            tracing::debug!(%error, "no file summary from nexus-analysis");
        })
        .ok();
    let file_type = summary
        .as_ref()
        .and_then(|summary| summary.file_type.as_deref())
        .map_or(FileType::Other, FileType::from_report_name);
    // Guests see (and are weighed) without the engine hint: the report is the analysis'.
    let hint = summary
        .as_ref()
        .filter(|_| !caller.is_guest())
        .and_then(|summary| engine_hint(summary.verdict?, summary.score));
    // Reputation for the file's category, decayed to now, from the analysts' scored assertions.
    let category = Category {
        kind: ArtifactKind::File,
        file_type,
    };
    let scored = service.store.assertions_of(&analysts).await?;
    let settled: Vec<_> = scored.iter().filter_map(ScoredAssertion::settled).collect();
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let reputation = reputations(&settled, now);
    let mut agreement = AgreementTable::new();
    for pair in service.store.agreement_of(&analysts).await? {
        if let (Ok(first), Ok(second)) = (
            pair.first.parse::<ChainAddress>(),
            pair.second.parse::<ChainAddress>(),
        ) {
            agreement.insert(
                first,
                second,
                PairAgreement {
                    shared: u32::try_from(pair.shared).unwrap_or(u32::MAX),
                    agreed: u32::try_from(pair.agreed).unwrap_or(u32::MAX),
                },
            );
        }
    }
    let inputs: Vec<RevealedAssertion> = revealed
        .iter()
        .map(|(_, address, verdict, confidence)| RevealedAssertion {
            analyst: *address,
            verdict: *verdict,
            confidence: *confidence,
            reputation: reputation
                .get(address)
                .map(|scores| scores.for_category(category))
                .unwrap_or_default(),
            evidence_verified: false,
        })
        .collect();
    let verdict = file_verdict(&inputs, hint, &agreement);
    let assertions = revealed
        .iter()
        .zip(&inputs)
        .zip(&verdict.weights)
        .map(|(((reveal, address, _, confidence), input), weight)| {
            let overall = reputation
                .get(address)
                .map(|scores| scores.overall)
                .unwrap_or_default();
            VerdictAssertion {
                analyst: reveal.analyst.clone(),
                user_id: reveal.user_id.map(|id| id.to_string()),
                verdict: reveal.verdict.clone(),
                confidence: confidence.percent(),
                reputation: VerdictReputation {
                    score: input.reputation.points,
                    skill: input.reputation.skill(),
                    assertions: input.reputation.settled,
                    trust_level: wire_level(TrustLevel::of(&overall)),
                },
                base_weight: weight.base_weight,
                cluster_size: u32::try_from(weight.cluster_size).unwrap_or(u32::MAX),
                effective_weight: weight.effective_weight,
                bounty_id: u64::try_from(reveal.bounty_id).unwrap_or(0),
            }
        })
        .collect();
    Ok(web::Json(FileVerdictView {
        sha256: sha256.as_str().to_owned(),
        label: verdict.label.as_str().to_owned(),
        confidence: verdict.confidence,
        malicious_probability: verdict.malicious_probability,
        file_type: file_type.as_str().to_owned(),
        engine_hint: hint.map(|hint| EngineHintView {
            label: hint.label.as_str().to_owned(),
            confidence: hint.confidence.percent(),
            weight: verdict.engine_weight,
        }),
        assertions,
    }))
}
