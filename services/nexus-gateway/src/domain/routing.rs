//! The route table: which upstream owns a public path, and which paths are never routed.

use std::time::Duration;

/// One resolved route: where `/api<prefix>/...` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Path prefix after `/api`, e.g. `/v1/bounties`.
    pub prefix: String,
    /// Index of the upstream in the gateway's upstream list.
    pub upstream: usize,
    /// Time allowed for the upstream's response headers.
    pub timeout: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: u64,
}

/// Routes by prefix; the longest matching prefix wins. A prefix segment `*` matches any one
/// segment (`/v1/files/*/verdict` is reputation's, longer than analysis' `/v1/files`).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// Sorted longest prefix first.
    routes: Vec<Route>,
}

/// Why a path is not routed. Both are answered with 404, as if the path did not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unroutable {
    /// The path has dot segments, empty segments, encoded separators or control characters,
    /// which could reach another path once an upstream normalises it.
    Unsafe,
    /// No route owns the path (including every `/internal` path).
    NoRoute,
}

impl RouteTable {
    /// A table of `routes`.
    pub fn new(mut routes: Vec<Route>) -> Self {
        routes.sort_by_key(|route| std::cmp::Reverse(route.prefix.len()));
        Self { routes }
    }

    /// The route owning `path` (the part after `/api`, e.g. `/v1/bounties/7`).
    pub fn resolve(&self, path: &str) -> Result<&Route, Unroutable> {
        if !is_safe_path(path) {
            return Err(Unroutable::Unsafe);
        }
        self.routes
            .iter()
            .find(|route| matches_prefix(&route.prefix, path))
            .ok_or(Unroutable::NoRoute)
    }
}

/// Whether `prefix` owns `path`: segment by segment equal (`*` matching any one non-empty
/// segment), and `path` may go on after the prefix's last segment.
fn matches_prefix(prefix: &str, path: &str) -> bool {
    if !prefix.contains('*') {
        return path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    }
    let mut segments = path.split('/');
    prefix.split('/').all(|expected| {
        segments
            .next()
            .is_some_and(|segment| segment == expected || (expected == "*" && !segment.is_empty()))
    })
}

/// True when `path` is absolute, has no `.`/`..` or empty segments (raw or percent-encoded), no
/// encoded `/` or `\`, no backslash and no control characters. Upstreams may normalise paths
/// differently from us; refusing every ambiguous form means `/api/v1/../internal/...` can never
/// reach an internal route.
pub fn is_safe_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if path
        .bytes()
        .any(|byte| byte.is_ascii_control() || byte == b'\\' || byte >= 0x80)
    {
        return false;
    }
    let lowered = path.to_ascii_lowercase();
    if ["%2f", "%5c", "%2e", "%00", "%25"]
        .iter()
        .any(|encoded| lowered.contains(encoded))
    {
        return false;
    }
    rest.split('/')
        .enumerate()
        .all(|(index, segment)| match segment {
            "." | ".." => false,
            // A trailing slash is harmless; an empty segment in the middle (`//`) is not.
            "" => index == rest.split('/').count() - 1 && index > 0,
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table() -> RouteTable {
        let route = |prefix: &str, upstream| Route {
            prefix: prefix.into(),
            upstream,
            timeout: Duration::from_secs(1),
            max_body_bytes: 10,
        };
        RouteTable::new(vec![
            route("/v1/users", 0),
            route("/v1/bounties", 1),
            route("/v1/bounties/special", 2),
            route("/v1/files", 3),
            route("/v1/files/*/verdict", 4),
        ])
    }

    #[test]
    fn longest_prefix_on_a_segment_boundary_wins() {
        let table = table();
        assert_eq!(table.resolve("/v1/bounties").unwrap().upstream, 1);
        assert_eq!(table.resolve("/v1/bounties/7").unwrap().upstream, 1);
        assert_eq!(table.resolve("/v1/bounties/special/x").unwrap().upstream, 2);
        assert_eq!(
            table.resolve("/v1/bountiesx").unwrap_err(),
            Unroutable::NoRoute
        );
        assert_eq!(table.resolve("/v1/users/").unwrap().upstream, 0);
        // A `*` segment: the verdict goes to its own upstream, every other file path to files.
        assert_eq!(table.resolve("/v1/files/ab12/verdict").unwrap().upstream, 4);
        assert_eq!(table.resolve("/v1/files/ab12").unwrap().upstream, 3);
        assert_eq!(
            table.resolve("/v1/files/ab12/download").unwrap().upstream,
            3
        );
        assert_eq!(
            table.resolve("/v1/files/ab12/verdicts").unwrap().upstream,
            3
        );
        assert_eq!(table.resolve("/v1/files/verdict").unwrap().upstream, 3);
    }

    #[test]
    fn internal_and_ambiguous_paths_are_never_routed() {
        let table = table();
        for path in [
            "/internal/v1/users/1",
            "/v1/../internal/v1/users/1",
            "/v1/users/../../internal/v1/api-keys/introspect",
            "/v1/users/%2e%2e/%2E%2E/internal",
            "/v1/users/..%2finternal",
            "/v1/users/a%5c..%5cb",
            "/v1/users//x",
            "/v1/users/./x",
            "/v1/users/\\..\\internal",
            "v1/users",
            "/v1/users/%252e%252e",
            "/v1/users/\u{0}",
        ] {
            assert!(table.resolve(path).is_err(), "{path} was routed");
        }
    }

    proptest! {
        #[test]
        fn no_routed_path_contains_a_dot_segment(segments in proptest::collection::vec("[a-z.%2eEfF/]{0,6}", 1..6)) {
            let path = format!("/v1/users/{}", segments.join("/"));
            if table().resolve(&path).is_ok() {
                prop_assert!(!path.split('/').any(|s| s == ".." || s == "."));
                prop_assert!(!path.to_ascii_lowercase().contains("%2e"));
            }
        }
    }
}
