//! The one place that turns a sample's rows into the Cedar resources the policies judge
//! (docs/AUTHORIZATION.md, "Samples and analyses").
//!
//! A sample is content-addressed, so several accounts may upload the same bytes; each upload
//! is private or public, and the sample is public once any uploader made it public. A sample
//! may also be a bounty's artifact (analysts may then read it). Its analyses, its similar list
//! and its strings are derived from its bytes, so they are exactly as visible as the sample:
//! every read goes through `file:read` or `analysis:read` on a resource built here, and every
//! download through `file:download`. Which principal may do what is the policies' business
//! alone; this module only states facts.

use nexus_core::Sha256;
use nexus_policy::{Resource, Visibility};
use nexus_proto::analysis::SampleVisibility;

/// What the policies need to know about one sample, as seen by one caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleAccess {
    /// The sample's address.
    pub sha256: Sha256,
    /// Public once any uploader chose public.
    pub is_public: bool,
    /// A bounty names the sample as its artifact.
    pub is_bounty_artifact: bool,
    /// The caller is one of the sample's uploaders. The policies only ever ask whether the
    /// principal is an uploader, so the other uploaders are not looked up.
    pub uploaded_by_caller: bool,
}

impl SampleAccess {
    /// The sample's visibility as the API shows it.
    pub fn visibility(&self) -> SampleVisibility {
        if self.is_public {
            SampleVisibility::Public
        } else {
            SampleVisibility::Private
        }
    }

    fn policy_visibility(&self) -> Visibility {
        if self.is_public {
            Visibility::Public
        } else {
            Visibility::Private
        }
    }

    /// `uploaders` as the policies read it: the caller (`subject`) when the caller uploaded the
    /// sample, otherwise nobody the decision could turn on.
    fn uploaders(&self, subject: Option<&str>) -> Vec<String> {
        match subject {
            Some(subject) if self.uploaded_by_caller => vec![subject.to_owned()],
            _ => Vec::new(),
        }
    }

    /// The sample as a `File` resource for `subject` (the caller's account id, `None` for a
    /// guest): the resource of `file:read` and `file:download`.
    pub fn file(&self, subject: Option<&str>) -> Resource {
        Resource::File {
            id: self.sha256.to_string(),
            uploaders: self.uploaders(subject),
            visibility: self.policy_visibility(),
            is_bounty_artifact: self.is_bounty_artifact,
        }
    }

    /// One of the sample's analyses as an `Analysis` resource for `subject`: it carries the
    /// sample's attributes, because a report discloses what the bytes contain.
    pub fn analysis(&self, analysis_id: &str, subject: Option<&str>) -> Resource {
        Resource::Analysis {
            id: analysis_id.to_owned(),
            uploaders: self.uploaders(subject),
            visibility: self.policy_visibility(),
            is_bounty_artifact: self.is_bounty_artifact,
        }
    }
}

/// The resource of an upload: the sample about to be recorded, uploaded by `subject` with the
/// visibility the uploader chose.
pub fn upload(sha256: &str, subject: &str, visibility: SampleVisibility) -> Resource {
    Resource::File {
        id: sha256.to_owned(),
        uploaders: vec![subject.to_owned()],
        visibility: match visibility {
            SampleVisibility::Public => Visibility::Public,
            SampleVisibility::Private => Visibility::Private,
        },
        is_bounty_artifact: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(is_public: bool, uploaded_by_caller: bool) -> SampleAccess {
        SampleAccess {
            sha256: Sha256::from_digest([0xaa; 32]),
            is_public,
            is_bounty_artifact: false,
            uploaded_by_caller,
        }
    }

    #[test]
    fn the_caller_is_named_an_uploader_only_when_they_uploaded_it() {
        let mine = access(false, true).file(Some("alice"));
        let theirs = access(false, false).file(Some("alice"));
        let as_guest = access(true, true).file(None);
        let uploaders = |resource: &Resource| match resource {
            Resource::File { uploaders, .. } => uploaders.clone(),
            _ => unreachable!("a file resource"),
        };
        assert_eq!(uploaders(&mine), ["alice"]);
        assert!(uploaders(&theirs).is_empty());
        assert!(uploaders(&as_guest).is_empty());
    }

    #[test]
    fn an_analysis_carries_its_samples_visibility() {
        let public = access(true, false);
        assert_eq!(
            public.analysis("an-1", Some("bob")),
            Resource::Analysis {
                id: "an-1".into(),
                uploaders: Vec::new(),
                visibility: Visibility::Public,
                is_bounty_artifact: false,
            }
        );
        assert_eq!(public.visibility(), SampleVisibility::Public);
    }
}
