//! Referrals (listing and completion arrive next).
