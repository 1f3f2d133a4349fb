//! The mail templates (`services/nexus-notification/templates/*.txt|*.html`, compiled in) and
//! their tiny renderer: `{{name}}` is replaced by the value of `name`, HTML-escaped in the HTML
//! part, verbatim in the text part. Nothing else is interpreted, so a value can never inject
//! markup or another placeholder (values are substituted in one pass over the template).
//! The one exception: a name ending in `_html` is inserted as it is in the HTML part; only
//! markup this crate rendered itself (with this renderer, so escaped) is passed that way.

/// A text and an HTML template.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// The `text/plain` part.
    pub text: &'static str,
    /// The `text/html` part.
    pub html: &'static str,
}

/// The template of a single notice (every kind today).
pub const NOTICE: Template = Template {
    text: include_str!("../../templates/notice.txt"),
    html: include_str!("../../templates/notice.html"),
};

/// The template of a notice that cannot be turned off (security, a disabled webhook endpoint):
/// no unsubscribe link, since unsubscribing from it is refused.
pub const MANDATORY: Template = Template {
    text: include_str!("../../templates/mandatory.txt"),
    html: include_str!("../../templates/mandatory.html"),
};

/// The password reset mail.
pub const PASSWORD_RESET: Template = Template {
    text: include_str!("../../templates/password_reset.txt"),
    html: include_str!("../../templates/password_reset.html"),
};

/// The daily digest's frame.
pub const DIGEST: Template = Template {
    text: include_str!("../../templates/digest.txt"),
    html: include_str!("../../templates/digest.html"),
};

/// One notice in the digest.
pub const DIGEST_ITEM: Template = Template {
    text: include_str!("../../templates/digest_item.txt"),
    html: include_str!("../../templates/digest_item.html"),
};

/// Both parts of `template` with `values` filled in.
pub fn render(template: Template, values: &[(&str, &str)]) -> (String, String) {
    (
        fill(template.text, values, false),
        fill(template.html, values, true),
    )
}

fn fill(template: &str, values: &[(&str, &str)], escape: bool) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) if escape && !name.ends_with("_html") => push_escaped(&mut out, value),
            Some((_, value)) => out.push_str(value),
            None => {}
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn push_escaped(out: &mut String, value: &str) {
    for character in value.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_values_are_escaped_and_cannot_inject_placeholders() {
        let template = Template {
            text: "T {{title}} {{missing}}!",
            html: "<p>{{ title }}</p><a href=\"{{link}}\">",
        };
        let (text, html) = render(
            template,
            &[
                ("title", "<script>x</script> {{link}}"),
                ("link", "\"><img>"),
            ],
        );
        assert_eq!(text, "T <script>x</script> {{link}} !");
        assert_eq!(
            html,
            "<p>&lt;script&gt;x&lt;/script&gt; {{link}}</p><a href=\"&quot;&gt;&lt;img&gt;\">"
        );
    }

    #[test]
    fn the_notice_template_has_every_placeholder_in_both_parts() {
        for name in ["title", "body", "link", "kind", "unsubscribe"] {
            let placeholder = format!("{{{{{name}}}}}");
            assert!(NOTICE.text.contains(&placeholder), "text lacks {name}");
            assert!(NOTICE.html.contains(&placeholder), "html lacks {name}");
        }
    }
}
