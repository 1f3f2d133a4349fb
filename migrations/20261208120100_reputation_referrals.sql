-- nexus-reputation: referral completion (docs/REPUTATION.md, "Referrals"). When an account's
-- first assertion is judged right, the `referrals` worker asks nexus-user to complete the
-- account's pending referral (`POST /internal/v1/referrals/{user_id}/complete`) and records the
-- referrer's bonus here. One row per referred account, so the call is made once (a replay or a
-- second right assertion changes nothing).
CREATE TABLE reputation.referral_checks (
    -- The account whose right assertion qualifies it (the referred account, if any referral).
    user_id     uuid PRIMARY KEY,
    -- The bounty of that first right assertion.
    bounty_id   bigint NOT NULL CHECK (bounty_id >= 0),
    -- When the worker asks nexus-user next; NULL once answered. Also its lease.
    next_check  timestamptz DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    -- NULL until answered; false when the account had no pending referral.
    completed   boolean,
    -- The referrer and their bonus (wei, decimal), when completed.
    referrer_id uuid,
    bonus       text,
    answered_at timestamptz,
    CHECK ((completed IS NULL) = (next_check IS NOT NULL))
);
CREATE INDEX referral_checks_due ON reputation.referral_checks (next_check)
    WHERE next_check IS NOT NULL;
CREATE INDEX referral_bonuses_by_referrer ON reputation.referral_checks (referrer_id)
    WHERE completed;
