//! What the migrations create, read from their SQL: the named indexes (minus
//! those a later migration drops or renames) and the extensions. `doctor`
//! compares these with the database, so the list is never written twice.
//!
//! Not a SQL parser: a lexer that skips comments, string literals, quoted
//! identifiers and dollar-quoted bodies (function code), splits statements at
//! top-level semicolons, and recognises the few statement shapes that create,
//! drop or rename an index or create an extension.

/// An index some migration creates by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedIndex {
    pub name: String,
    pub table: String,
    /// The statement that creates it, on one line, ending in ';'.
    pub statement: String,
    /// The migration it comes from, e.g. "4 table indexes".
    pub migration: String,
}

/// Top-level statements of `sql`, comments removed, whitespace collapsed,
/// dollar-quoted bodies kept verbatim (they never matter to the scan).
pub fn statements(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                cur.push(' ');
                continue;
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                cur.push(' ');
                continue;
            }
            '\'' | '"' => {
                // Quoted text; a doubled quote is an escaped quote.
                cur.push(c);
                i += 1;
                while i < chars.len() {
                    cur.push(chars[i]);
                    if chars[i] == c {
                        if chars.get(i + 1) == Some(&c) {
                            cur.push(c);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            '$' => {
                if let Some(tag_len) = dollar_tag(&chars[i..]) {
                    let tag: Vec<char> = chars[i..i + tag_len].to_vec();
                    let mut j = i + tag_len;
                    while j < chars.len() && !chars[j..].starts_with(&tag) {
                        j += 1;
                    }
                    let end = (j + tag_len).min(chars.len());
                    cur.extend(&chars[i..end]);
                    i = end;
                    continue;
                }
            }
            ';' => {
                push_statement(&mut out, &cur);
                cur.clear();
                i += 1;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    push_statement(&mut out, &cur);
    out
}

/// Length of a dollar-quote opener (`$$` or `$tag$`) at the start of `s`.
fn dollar_tag(s: &[char]) -> Option<usize> {
    let mut n = 1;
    while n < s.len() {
        match s[n] {
            '$' => return Some(n + 1),
            c if c == '_' || c.is_alphabetic() || (n > 1 && c.is_ascii_digit()) => n += 1,
            _ => return None,
        }
    }
    None
}

fn push_statement(out: &mut Vec<String>, text: &str) {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !one_line.is_empty() {
        out.push(one_line);
    }
}

/// `public."Foo"` → `Foo`; `Bugs_IDX` → `bugs_idx` (unquoted names fold to lower case).
fn object_name(token: &str) -> String {
    let last = token.rsplit('.').next().unwrap_or(token);
    match last.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => last.to_lowercase(),
    }
}

fn words(statement: &str) -> Vec<&str> {
    statement
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(')
        .filter(|w| !w.is_empty())
        .collect()
}

fn is(word: Option<&&str>, keyword: &str) -> bool {
    word.is_some_and(|w| w.eq_ignore_ascii_case(keyword))
}

/// The named indexes that `migrations` (version, description, SQL, applied
/// in order) leave behind.
pub fn expected_indexes<'a>(
    migrations: impl IntoIterator<Item = (i64, &'a str, &'a str)>,
) -> Vec<ExpectedIndex> {
    let mut found: Vec<ExpectedIndex> = Vec::new();
    for (version, description, sql) in migrations {
        for stmt in statements(sql) {
            let w = words(&stmt);
            let at = |k: usize, kw: &str| is(w.get(k), kw);
            if at(0, "CREATE") {
                let mut k = 1;
                if at(k, "UNIQUE") {
                    k += 1;
                }
                if !at(k, "INDEX") {
                    continue;
                }
                k += 1;
                if at(k, "CONCURRENTLY") {
                    k += 1;
                }
                if at(k, "IF") && at(k + 1, "NOT") && at(k + 2, "EXISTS") {
                    k += 3;
                }
                // `CREATE INDEX ON t (...)` has no name to look for.
                let Some(name) = w.get(k).filter(|n| !n.eq_ignore_ascii_case("ON")) else {
                    continue;
                };
                let mut t = k + 1;
                if !at(t, "ON") {
                    continue;
                }
                t += 1;
                if at(t, "ONLY") {
                    t += 1;
                }
                let name = object_name(name);
                found.retain(|e| e.name != name);
                found.push(ExpectedIndex {
                    name,
                    table: w.get(t).map(|t| object_name(t)).unwrap_or_default(),
                    statement: format!("{stmt};"),
                    migration: format!("{version} {description}"),
                });
            } else if at(0, "DROP") && at(1, "INDEX") {
                let mut k = 2;
                if at(k, "CONCURRENTLY") {
                    k += 1;
                }
                if at(k, "IF") && at(k + 1, "EXISTS") {
                    k += 2;
                }
                for name in &w[k.min(w.len())..] {
                    if name.eq_ignore_ascii_case("CASCADE") || name.eq_ignore_ascii_case("RESTRICT")
                    {
                        continue;
                    }
                    let name = object_name(name);
                    found.retain(|e| e.name != name);
                }
            } else if at(0, "ALTER") && at(1, "INDEX") {
                let mut k = 2;
                if at(k, "IF") && at(k + 1, "EXISTS") {
                    k += 2;
                }
                if at(k + 1, "RENAME") && at(k + 2, "TO") {
                    let (Some(old), Some(new)) = (w.get(k), w.get(k + 3)) else {
                        continue;
                    };
                    let (old, new) = (object_name(old), object_name(new));
                    for e in found.iter_mut().filter(|e| e.name == old) {
                        e.name.clone_from(&new);
                    }
                }
            }
        }
    }
    found
}

/// Extensions the migrations create (`CREATE EXTENSION [IF NOT EXISTS] x`).
pub fn required_extensions<'a>(sqls: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sql in sqls {
        for stmt in statements(sql) {
            let w = words(&stmt);
            if !(is(w.first(), "CREATE") && is(w.get(1), "EXTENSION")) {
                continue;
            }
            let k = if is(w.get(2), "IF") && is(w.get(3), "NOT") && is(w.get(4), "EXISTS") {
                5
            } else {
                2
            };
            if let Some(name) = w.get(k).map(|n| object_name(n))
                && !out.contains(&name)
            {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
-- CREATE INDEX commented_out_idx ON bugs (x);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
/* block CREATE INDEX nope ON t (x); /* nested */ still comment */
CREATE TABLE t (a int, b text DEFAULT 'it''s; CREATE INDEX fake ON t (a)');
CREATE INDEX t_a_idx ON t (a);
CREATE UNIQUE INDEX IF NOT EXISTS "T_B_Key" ON public.t (lower(b))
    WHERE b <> ';';
CREATE INDEX CONCURRENTLY t_ab_idx ON ONLY t USING gin (b gin_trgm_ops);
CREATE INDEX ON t (b);
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE 'CREATE INDEX dynamic_idx ON t (a)'; CREATE INDEX in_body_idx ON t (a);
END
$body$;
"#;

    const TWO: &str = "DROP INDEX IF EXISTS t_ab_idx, gone_idx CASCADE;\n\
                       ALTER INDEX t_a_idx RENAME TO t_a_renamed_idx;\n\
                       create index later_idx on t(b);";

    #[test]
    fn finds_named_indexes_across_migrations() {
        let got = expected_indexes([(1, "schema", ONE), (2, "more", TWO)]);
        let names: Vec<&str> = got.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["t_a_renamed_idx", "T_B_Key", "later_idx"]);
        assert_eq!(got[1].table, "t");
        assert_eq!(
            got[1].statement,
            "CREATE UNIQUE INDEX IF NOT EXISTS \"T_B_Key\" ON public.t (lower(b)) WHERE b <> ';';"
        );
        assert_eq!(got[1].migration, "1 schema");
        assert_eq!(got[2].table, "t");
    }

    #[test]
    fn finds_extensions() {
        assert_eq!(required_extensions([ONE, TWO]), ["pg_trgm"]);
    }

    #[test]
    fn statements_skip_comments_and_quotes() {
        let s = statements("SELECT 'a;b' ; -- x;\nSELECT $$ ; $$; SELECT \"q;\"");
        assert_eq!(s, ["SELECT 'a;b'", "SELECT $$ ; $$", "SELECT \"q;\""]);
    }
}
