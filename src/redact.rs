//! Secrets never leave: every text that is printed or logged passes through
//! [`redact`], which replaces with `***`
//! - the password of anything URL-shaped (`scheme://user:PASSWORD@host`),
//!   found by scanning text rather than by parsing, because the URLs that most
//!   need it are the ones that do not parse (`postgres://u:p#ss@h/db` is cut at
//!   the `#` by a URL parser, `postgres://u:a/b@h/db` at the `/`);
//! - the value of any `password=` pair (a `?password=` query parameter or the
//!   libpq keyword form `host=x password=y`);
//! - any secret registered with [`register_secret`] or [`register_url_secrets`]
//!   (the configured database URL's password, `PGPASSWORD`, `GITHUB_TOKEN`),
//!   wherever it appears, so that an error echoing one by other means is
//!   masked too.
//!
//! The rules err towards hiding too much: in `scheme://user:X@host`, X runs
//! from the first `:` after the user to the LAST `@` of the URL, so a password
//! containing `@`, `/`, `?` or `#` is hidden whole.

use crate::db::discover::URL_FORM;
use std::borrow::Cow;
use std::sync::Mutex;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Registered secrets shorter than this are not masked by literal matching
/// (masking every "ab" in a message would make it unreadable); they are still
/// hidden wherever they stand in a URL or a `password=` pair.
pub const MIN_REGISTERED_LEN: usize = 4;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Masks `secret` in everything [`redact`] sees from now on.
pub fn register_secret(secret: &str) {
    if secret.chars().count() < MIN_REGISTERED_LEN {
        return;
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(|p| p.into_inner());
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_string());
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Registers the password of a database URL (or libpq keyword string), as
/// written and percent-decoded.
pub fn register_url_secrets(url: &str) {
    for secret in url_secrets(url) {
        register_secret(&secret);
    }
}

/// The passwords a URL (or libpq keyword string) carries, as written and
/// percent-decoded.
pub fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    if let Some((start, end)) = userinfo_password(rest) {
        out.push(rest[start..end].to_string());
    }
    let mut from = 0;
    while let Some((start, end)) = next_password_pair(url, from, false) {
        let value = url[start..end].trim_matches('\'');
        out.push(value.replace("''", "'").replace("\\'", "'"));
        from = end;
    }
    let decoded: Vec<String> = out.iter().map(|s| percent_decode(s)).collect();
    out.extend(decoded);
    let mut unique: Vec<String> = Vec::new();
    for s in out {
        if !s.is_empty() && !unique.contains(&s) {
            unique.push(s);
        }
    }
    unique
}

/// `url` (one URL, or a libpq keyword string) with its password masked. The
/// scheme is optional: `u:pw@host/db` is masked too.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let rest = match userinfo_password(rest) {
        Some((start, end)) => format!("{}{MASK}{}", &rest[..start], &rest[end..]),
        None => rest.to_string(),
    };
    let masked = mask_password_pairs(&rest, false).into_owned();
    match scheme {
        Some(scheme) => format!("{scheme}://{masked}"),
        None => masked,
    }
}

/// `text` with every secret masked: URL passwords, `password=` values and
/// registered secrets.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if out.contains("://") {
        out = Cow::Owned(mask_urls_in_text(&out));
    }
    if contains_ignore_case(&out, "password=") {
        out = Cow::Owned(mask_password_pairs(&out, true).into_owned());
    }
    let secrets = SECRETS.lock().unwrap_or_else(|p| p.into_inner());
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    out
}

/// The byte range of the password in the part of a URL after `scheme://`:
/// from just after the first `:` to the last `@`, when that `:` comes first.
fn userinfo_password(rest: &str) -> Option<(usize, usize)> {
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    // `user:@host` has an empty password: nothing to hide, keep it readable.
    (colon + 1 < at).then_some((colon + 1, at))
}

/// Masks the password of each `scheme://…` in free text. A URL ends at
/// whitespace, a quote, a backtick or an angle bracket: the characters prose
/// puts around it. The form messages show ([`URL_FORM`]) is no secret.
fn mask_urls_in_text(text: &str) -> String {
    let ends = |c: char| c.is_whitespace() || matches!(c, '`' | '"' | '\'' | '<' | '>');
    let form_body = URL_FORM.split_once("://").map_or("", |(_, b)| b);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let body_start = i + 3;
        let body_len = rest[body_start..]
            .find(ends)
            .unwrap_or(rest.len() - body_start);
        let body = &rest[body_start..body_start + body_len];
        out.push_str(&rest[..body_start]);
        match userinfo_password(body).filter(|_| body != form_body) {
            Some((s, e)) => {
                out.push_str(&body[..s]);
                out.push_str(MASK);
                out.push_str(&body[e..]);
            }
            None => out.push_str(body),
        }
        rest = &rest[body_start + body_len..];
    }
    out.push_str(rest);
    out
}

/// Masks the value of every `password=` pair (any case; `sslpassword=` too):
/// up to `&`, whitespace or the end (in prose, also a backtick or double
/// quote), or a whole single-quoted libpq value.
fn mask_password_pairs(text: &str, prose: bool) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some((start, end)) = next_password_pair(text, from, prose) {
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = end;
        from = end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The byte range of the next `password=` value at or after `from`.
fn next_password_pair(text: &str, from: usize, prose: bool) -> Option<(usize, usize)> {
    const KEY: &str = "password=";
    let lower = text.get(from..)?.to_ascii_lowercase();
    let start = from + lower.find(KEY)? + KEY.len();
    let value = &text[start..];
    let len = if let Some(quoted) = value.strip_prefix('\'') {
        // libpq: 'it''s' or 'it\'s'; an unterminated quote runs to the end.
        let mut chars = quoted.char_indices();
        let mut end = quoted.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '\'' if quoted[i + 1..].starts_with('\'') => {
                    chars.next();
                }
                '\'' => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        1 + end
    } else {
        value
            .find(|c: char| c == '&' || c.is_whitespace() || (prose && matches!(c, '`' | '"')))
            .unwrap_or(value.len())
    };
    (len > 0).then_some((start, start + len))
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

/// `%XX` sequences decoded; invalid ones and invalid UTF-8 kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HARD: [&str; 9] = [
        "secret",
        "p#ss",
        "p?ss",
        "p/ss",
        "p@ss",
        "p%23ss",
        "p:ss",
        "a/b@c#d?e",
        "p ss",
    ];

    #[test]
    fn a_url_password_is_masked_whatever_it_contains() {
        for pw in HARD {
            for url in [
                format!("postgres://me:{pw}@db.example:5432/bugs"),
                format!("postgresql://me:{pw}@db.example/bugs?sslmode=require"),
                format!("postgres://me:{pw}@db.example"),
                format!("me:{pw}@db.example/bugs"),
            ] {
                let shown = redact_url(&url);
                assert!(!shown.contains(pw), "{url} → {shown}");
                assert!(shown.contains("me:***@"), "{url} → {shown}");
                assert!(shown.contains("db.example"), "{url} → {shown}");
            }
        }
    }

    #[test]
    fn urls_keep_what_is_not_secret() {
        assert_eq!(
            redact_url("postgres://u:secret@h:1/d"),
            "postgres://u:***@h:1/d"
        );
        assert_eq!(
            redact_url("postgres://u@h/d?password=x&a=b"),
            "postgres://u@h/d?password=***&a=b"
        );
        assert_eq!(redact_url("postgres://h/d"), "postgres://h/d");
        assert_eq!(redact_url("postgres://u@h:5432/d"), "postgres://u@h:5432/d");
        assert_eq!(redact_url("postgres://u:@h/d"), "postgres://u:@h/d");
        assert_eq!(
            redact_url("host=/tmp user=me password='it''s secret' dbname=x"),
            "host=/tmp user=me password=*** dbname=x"
        );
        assert_eq!(
            redact_url("postgres:///d?host=/run&PassWord=x"),
            "postgres:///d?host=/run&PassWord=***"
        );
    }

    #[test]
    fn free_text_is_masked() {
        for pw in [
            "secret",
            "p#ss",
            "p?ss",
            "p/ss",
            "p@ss",
            "p%23ss",
            "a/b@c#d?e",
        ] {
            let text = format!(
                "error: The database URL `postgres://me:{pw}@h:1/db` is not valid; also \
                 tried \"postgresql://x:{pw}@other/db\" and postgres://y:{pw}@third"
            );
            let shown = redact(&text);
            assert!(!shown.contains(pw), "{shown}");
            assert_eq!(shown.matches(":***@").count(), 3, "{shown}");
            assert!(shown.contains("is not valid; also tried"), "{shown}");
        }
        assert_eq!(
            redact("connect host=h password=hunter22 user=me failed"),
            "connect host=h password=*** user=me failed"
        );
        assert_eq!(
            redact("The URL `host=h password=s3cret` is not valid"),
            "The URL `host=h password=***` is not valid"
        );
        let form = format!("Expected the form {URL_FORM} (e.g. …)");
        assert_eq!(redact(&form), form);
        let plain = "no bug BUG-1 in postgres://me@h/db: check https://example.com/x?a=b";
        assert_eq!(redact(plain), plain);
    }

    #[test]
    fn registered_secrets_are_masked_anywhere() {
        register_url_secrets("postgres://me:Zq%23Registered9@h/db");
        register_secret("ghp_registeredTOKEN");
        register_secret("ab");
        let shown =
            redact("server said: password Zq#Registered9 wrong; token ghp_registeredTOKEN; ab");
        assert_eq!(shown, "server said: password *** wrong; token ***; ab");
        assert!(!redact("Zq%23Registered9").contains("Registered"));
    }

    #[test]
    fn url_secrets_are_found_raw_and_decoded() {
        assert_eq!(
            url_secrets("postgres://u:p%23ss@h/db?password=two"),
            ["p%23ss", "two", "p#ss"]
        );
        assert!(url_secrets("postgres://u@h/db").is_empty());
    }
}
