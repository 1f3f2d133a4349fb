//! The password policy: at least 12 characters, at most 1024 bytes, and a zxcvbn strength
//! score of at least 3 ("safely unguessable"), explained with zxcvbn's own feedback.

use zxcvbn::Score;

/// Fewest characters (Unicode scalar values) accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most bytes accepted (bounds Argon2 input and request size).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Lowest zxcvbn score accepted (0–4).
pub const MIN_STRENGTH_SCORE: u8 = 3;
/// zxcvbn's matching is super-linear in the input length; it sees at most this many
/// characters. A prefix strong enough passes; a weak prefix fails, whatever follows.
const MAX_ESTIMATED_CHARS: usize = 100;

/// Why a password was refused; the message says how to choose a better one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("the password has {0} characters; use at least 12 (a few unrelated words work well)")]
    TooShort(usize),
    /// More than [`MAX_PASSWORD_BYTES`] bytes.
    #[error("the password is longer than 1024 bytes")]
    TooLong,
    /// zxcvbn estimates it guessable.
    #[error(
        "the password is too easy to guess (strength {score} of 4, at least 3 needed). {advice}"
    )]
    TooWeak {
        /// zxcvbn's score, 0–4.
        score: u8,
        /// zxcvbn's warning and suggestions as sentences.
        advice: String,
    },
}

/// Checks `password` against the policy; `user_inputs` (email, username) count as guessable.
pub fn check_password(password: &str, user_inputs: &[&str]) -> Result<(), PasswordPolicyError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordPolicyError::TooLong);
    }
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooShort(chars));
    }
    let estimated: String = password.chars().take(MAX_ESTIMATED_CHARS).collect();
    let entropy = zxcvbn::zxcvbn(&estimated, user_inputs);
    let score = score_value(entropy.score());
    if score >= MIN_STRENGTH_SCORE {
        return Ok(());
    }
    let mut advice: Vec<String> = Vec::new();
    if let Some(feedback) = entropy.feedback() {
        if let Some(warning) = feedback.warning() {
            advice.push(sentence(&warning.to_string()));
        }
        advice.extend(
            feedback
                .suggestions()
                .iter()
                .map(|suggestion| sentence(&suggestion.to_string())),
        );
    }
    if advice.is_empty() {
        advice.push("Add another word or two; uncommon words are better.".to_owned());
    }
    Err(PasswordPolicyError::TooWeak {
        score,
        advice: advice.join(" "),
    })
}

fn score_value(score: Score) -> u8 {
    match score {
        Score::Zero => 0,
        Score::One => 1,
        Score::Two => 2,
        Score::Three => 3,
        _ => 4,
    }
}

fn sentence(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.ends_with('.') || trimmed.ends_with('!') || trimmed.ends_with('?') {
        trimmed.to_owned()
    } else {
        format!("{trimmed}.")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_long_random_passphrase_passes() {
        assert_eq!(
            check_password("tangerine orbit quietly 71 lamps", &[]),
            Ok(())
        );
    }

    #[test]
    fn short_passwords_are_refused_with_their_length() {
        assert_eq!(
            check_password("Xk9#qL2!", &[]),
            Err(PasswordPolicyError::TooShort(8))
        );
    }

    #[test]
    fn common_passwords_are_refused_with_advice() {
        let error = check_password("password1234", &[]).unwrap_err();
        let PasswordPolicyError::TooWeak { score, advice } = &error else {
            panic!("expected TooWeak, got {error:?}");
        };
        assert!(*score < 3);
        assert!(!advice.is_empty());
        assert!(error.to_string().contains("strength"));
    }

    #[test]
    fn the_username_counts_as_guessable() {
        assert!(check_password("adalovelace1815", &["adalovelace1815"]).is_err());
    }

    #[test]
    fn overlong_passwords_are_refused_before_estimation() {
        let long = "a".repeat(1025);
        assert_eq!(
            check_password(&long, &[]),
            Err(PasswordPolicyError::TooLong)
        );
    }
}
