//! The catalog: every documented error code of every vendor, with its description and category,
//! plus each vendor's detection rules. It is loaded from TOML pattern files, one per vendor:
//! the shipped `patterns/` directory is embedded in the binary, and a user directory can be
//! loaded instead (`--patterns DIR`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, Result};

include!(concat!(env!("OUT_DIR"), "/embedded_patterns.rs"));

/// Regexes in pattern files may not compile to more than this many bytes, so that a hostile or
/// careless pattern cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The longest code, in bytes: a catalog code may not be longer, and an unknown code read from
/// a log that is longer is cut to this length (at a character boundary) and marked with `…`,
/// so that the unknown-code cap bounds memory and the report's size. The longest documented
/// code is 56 bytes.
pub const MAX_CODE_LEN: usize = 128;

/// The normalised category of an error, shared by all vendors so that dashboards can compare
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Bad credentials, unknown user at login.
    Authentication,
    /// Locked, disabled, unconfirmed or deleted accounts, expired passwords.
    AccountState,
    /// Permission, access denied, consent, scope.
    Authorization,
    /// Invalid or expired tokens, authorization codes, sessions.
    Token,
    /// Factors, one-time passwords, verification codes.
    Mfa,
    /// Password reset, challenge questions, account recovery.
    Recovery,
    /// Password strength, history and policy violations.
    PasswordPolicy,
    /// Missing, malformed or invalid input, media types.
    Validation,
    /// A resource that does not exist.
    NotFound,
    /// Already exists, duplicates, state conflicts.
    Conflict,
    /// Too many requests, quotas.
    RateLimit,
    /// Feature disabled, not configured, unsupported.
    Configuration,
    /// Subscription and payment limits.
    Billing,
    /// Internal, unexpected or upstream failures, unavailability.
    ServerError,
}

impl Category {
    /// Every category, in the order they are documented.
    pub const ALL: [Category; 14] = [
        Category::Authentication,
        Category::AccountState,
        Category::Authorization,
        Category::Token,
        Category::Mfa,
        Category::Recovery,
        Category::PasswordPolicy,
        Category::Validation,
        Category::NotFound,
        Category::Conflict,
        Category::RateLimit,
        Category::Configuration,
        Category::Billing,
        Category::ServerError,
    ];

    /// The category's name as written in pattern files and reports (`account_state`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Authentication => "authentication",
            Category::AccountState => "account_state",
            Category::Authorization => "authorization",
            Category::Token => "token",
            Category::Mfa => "mfa",
            Category::Recovery => "recovery",
            Category::PasswordPolicy => "password_policy",
            Category::Validation => "validation",
            Category::NotFound => "not_found",
            Category::Conflict => "conflict",
            Category::RateLimit => "rate_limit",
            Category::Configuration => "configuration",
            Category::Billing => "billing",
            Category::ServerError => "server_error",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Dense index of a vendor in a [`Catalog`].
pub type VendorId = u16;

/// Dense index of an entry in a [`Catalog`]; counts are kept in a `Vec` indexed by it.
pub type EntryId = u32;

/// A vendor: the `[vendor]` table of a pattern file.
#[derive(Clone, Debug, Serialize)]
pub struct Vendor {
    /// Short id used in reports and `--vendor` (`okta`).
    pub id: String,
    /// Display name (`Okta`).
    pub name: String,
    /// Where the codes come from.
    pub source: String,
}

/// One documented error code.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The vendor that documents the code.
    pub vendor: VendorId,
    /// The code exactly as it appears in logs (`E0000011`, `17002`, `invalid_grant`).
    pub code: String,
    /// The name the document gives, if any (`Invalid token exception`, `invalid_credentials`).
    pub name: Option<String>,
    /// The HTTP status the document gives, if any.
    pub http_status: Option<u16>,
    /// The normalised category.
    pub category: Category,
    /// The vendor's own grouping (empty when the document has none).
    pub vendor_category: String,
    /// The vendor's documented description.
    pub description: String,
    /// Stormpath's user-facing message, where documented.
    pub user_message: Option<String>,
    /// Stormpath's further information, where documented.
    pub further_info: Option<String>,
    /// False for an entry that documents success (IDaaS `Operation.Success`); the scanner
    /// never counts those.
    pub is_error: bool,
    /// True for a type-level code that a more specific code of the same vendor on the same
    /// line supersedes (IDaaS `code: Operation.Failure` beside `message: Operation.Failure.X`).
    pub generic: bool,
}

/// Which catalog field a rule's `code` capture is looked up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookup {
    /// The capture is the code itself (the default).
    Code,
    /// The capture is the entry's `name` (Akamai's `invalid_credentials` for code 210).
    Name,
}

/// A detection rule: where, in a log line, one vendor's codes appear.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The vendor whose file declares the rule.
    pub vendor: VendorId,
    /// The rule's id, unique within its vendor.
    pub id: String,
    /// Literal strings one of which a line must contain for the rule to be tried.
    pub anchors: Vec<String>,
    /// The regex whose `code` group captures the code: searched in the whole line, or, with
    /// `at_anchor`, matched only where one of the rule's anchors starts.
    pub regex: regex_automata::meta::Regex,
    /// `regex` as written in the pattern file.
    pub pattern: String,
    /// Index of the `code` group in `regex`.
    pub code_group: usize,
    /// Whether `regex` is matched at anchor positions only (much cheaper than a search of the
    /// whole line, for rules whose match begins with the anchor).
    pub at_anchor: bool,
    /// How the capture is looked up.
    pub lookup: Lookup,
    /// Whether a capture the catalog lacks is counted as an unknown code.
    pub count_unknown: bool,
    /// When set, the line must match it (an envelope): the rule's `require_any` list as one
    /// alternation, so a line is searched once.
    pub require: Option<regex::bytes::Regex>,
    /// When set, the line must not match it (`reject_any` as one alternation).
    pub reject: Option<regex::bytes::Regex>,
    /// Attribution of hits to other vendors when the line names them, in order.
    pub attribute: Vec<(VendorId, regex::bytes::Regex)>,
    /// When this rule hits, hits on the same line found by these rules are dropped: all the
    /// rules of a vendor (`oauth`), or one rule (`oauth/json-body`, as a rule index).
    pub suppresses: Vec<(VendorId, Option<usize>)>,
    /// The rule's hits count only on a line where no other rule of its vendor hit (Akamai's
    /// error name, for an envelope that lacks the number).
    pub fallback: bool,
    /// Whether the capture is looked up ignoring ASCII letter case (`INVALID_GRANT` finds
    /// `invalid_grant`), and counted under the catalog's spelling. The regex's own case
    /// sensitivity is the pattern's (`(?i:...)`); anchors stay literal.
    pub fold_case: bool,
    /// Where the rule is declared, for messages: `file:line`.
    pub origin: String,
    /// For a rule with `attribute` conditions: the codes (or names) of its vendor and of the
    /// vendors it attributes to, in one map, so that whether any of them knows a capture
    /// takes one lookup (see [`Catalog::known_to_any`]).
    known_to_any: Option<Box<CodeMap>>,
}

/// Code (or name) to entry, for one vendor. Looked up once per hit or more, with short keys
/// (the keys come from the catalog, so a fast fixed-seed hash rather than the default
/// DoS-resistant one). Keys are bytes, so that a code found in a log is looked up as it is,
/// without decoding.
#[derive(Clone, Debug, Default)]
struct CodeMap {
    /// The keys of [`ShortKey::BYTES`] bytes or fewer, packed in two words: hashed and
    /// compared as one, with no byte loop or call to `memcmp` (most codes and names are short).
    short: HashMap<ShortKey, EntryId, foldhash::fast::FixedState>,
    /// The longer keys.
    long: HashMap<Box<[u8]>, EntryId, foldhash::fast::FixedState>,
}

/// A key of at most [`ShortKey::BYTES`] bytes: its bytes in two little-endian words, padded
/// with zeros, and its length in the last byte (so that keys that differ only in trailing
/// zero bytes stay apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ShortKey(u64, u64);

impl ShortKey {
    const BYTES: usize = 15;

    /// The packed `key`, unless it is longer than [`ShortKey::BYTES`]. Words are read whole,
    /// or as two overlapping reads: no copy through a buffer (a `memcpy` call would cost
    /// about as much as the lookup it prepares).
    fn of(key: &[u8]) -> Option<ShortKey> {
        let n = key.len();
        let len = u64::from(
            u8::try_from(n)
                .ok()
                .filter(|&n| usize::from(n) <= Self::BYTES)?,
        );
        let (lo, hi) = key.split_at(n.min(8));
        Some(ShortKey(packed(lo), packed(hi) | len << 56))
    }
}

impl std::hash::Hash for ShortKey {
    /// One word to hash: keys equal in it are told apart by comparing both.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0 ^ self.1.rotate_left(29));
    }
}

/// Up to eight bytes as a little-endian word, padded with zeros.
fn packed(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    match n {
        8 => u64::from_le_bytes(bytes.try_into().unwrap_or_default()),
        // The two reads overlap in the middle: the bytes there are the same in both.
        4..=7 => {
            let lo = u32::from_le_bytes(bytes[..4].try_into().unwrap_or_default());
            let hi = u32::from_le_bytes(bytes[n - 4..].try_into().unwrap_or_default());
            u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
        }
        1..=3 => {
            let at = |i: usize| u64::from(bytes[i]) << (8 * i);
            at(0) | at(n / 2) | at(n - 1)
        }
        _ => 0,
    }
}

/// `map`'s entry for `text` lower-cased (ASCII), for a map of lower-cased keys.
fn folded_get(map: &CodeMap, text: &[u8]) -> Option<EntryId> {
    // Folded in a buffer on the stack: no allocation per hit for any code or usual name.
    let mut buf = [0u8; 256];
    let owned;
    let folded: &[u8] = match buf.get_mut(..text.len()) {
        Some(f) => {
            f.copy_from_slice(text);
            f.make_ascii_lowercase();
            f
        }
        None => {
            owned = text.to_ascii_lowercase();
            &owned
        }
    };
    map.get(folded)
}

impl CodeMap {
    #[inline]
    fn get(&self, key: &[u8]) -> Option<EntryId> {
        match ShortKey::of(key) {
            Some(short) => self.short.get(&short).copied(),
            None => self.long.get(key).copied(),
        }
    }

    /// Adds the keys of `other` that this map lacks.
    fn extend_from(&mut self, other: Option<&CodeMap>) {
        let Some(other) = other else { return };
        for (k, &id) in &other.short {
            self.short.entry(*k).or_insert(id);
        }
        for (k, &id) in &other.long {
            self.long.entry(k.clone()).or_insert(id);
        }
    }

    /// Maps `key` to `id` unless it is mapped already; returns the entry it maps to.
    fn insert_first(&mut self, key: &[u8], id: EntryId) -> EntryId {
        match ShortKey::of(key) {
            Some(short) => *self.short.entry(short).or_insert(id),
            None => *self.long.entry(key.into()).or_insert(id),
        }
    }
}

/// The loaded catalog: vendors, entries and rules.
#[derive(Clone, Debug)]
pub struct Catalog {
    vendors: Vec<Vendor>,
    entries: Vec<Entry>,
    rules: Vec<Rule>,
    /// Per vendor: code -> entry.
    by_code: Vec<CodeMap>,
    /// Per vendor: documented name -> first entry with that name.
    by_name: Vec<CodeMap>,
    /// `by_code` and `by_name` with ASCII-lowercased keys, for `fold_case` rules.
    by_code_folded: Vec<CodeMap>,
    by_name_folded: Vec<CodeMap>,
    /// Per vendor: the first two codes that differ only in letter case, if any (a
    /// `fold_case` rule of that vendor could not tell them apart).
    fold_clash: Vec<Option<(String, String)>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    vendor: Spanned<VendorDef>,
    #[serde(default)]
    rule: Vec<Spanned<RuleDef>>,
    #[serde(default)]
    code: Vec<Spanned<CodeDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorDef {
    id: String,
    name: String,
    #[serde(default)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    anchors: Vec<String>,
    regex: String,
    #[serde(default)]
    at_anchor: bool,
    #[serde(default = "default_lookup")]
    lookup: Lookup,
    #[serde(default = "default_true")]
    unknown: bool,
    #[serde(default)]
    require_any: Vec<String>,
    #[serde(default)]
    reject_any: Vec<String>,
    #[serde(default)]
    attribute: Vec<AttributeDef>,
    #[serde(default)]
    suppresses: Vec<String>,
    #[serde(default)]
    fallback: bool,
    #[serde(default)]
    fold_case: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeDef {
    vendor: String,
    when: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDef {
    code: String,
    name: Option<String>,
    http_status: Option<u16>,
    category: Category,
    #[serde(default)]
    vendor_category: String,
    description: String,
    user_message: Option<String>,
    further_info: Option<String>,
    #[serde(default = "default_true")]
    error: bool,
    #[serde(default)]
    generic: bool,
}

fn default_true() -> bool {
    true
}

fn default_lookup() -> Lookup {
    Lookup::Code
}

/// A rule whose cross-file references (attribution, suppression) are resolved once every file
/// is loaded.
struct PendingRule {
    rule: Rule,
    attribute: Vec<(String, regex::bytes::Regex)>,
    suppresses: Vec<String>,
    file: String,
    line: usize,
}

impl Catalog {
    /// The catalog shipped in the binary (the `patterns/` directory at build time).
    ///
    /// # Errors
    /// Only if a shipped file is broken, which the test suite rules out.
    pub fn embedded() -> Result<Catalog> {
        let files: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(name, text)| (format!("<embedded>/{name}"), (*text).to_string()))
            .collect();
        Catalog::from_sources(&files)
    }

    /// The vendor ids of the embedded pattern files, in file order, read without building
    /// the catalog (cheap enough for a help text). A file without one is left out.
    pub fn embedded_vendor_ids() -> Vec<String> {
        EMBEDDED
            .iter()
            .filter_map(|(_, text)| embedded_vendor_id(text))
            .collect()
    }

    /// Loads every `*.toml` file of `dir`, in name order, instead of the embedded catalog.
    ///
    /// # Errors
    /// When the directory cannot be read, holds no pattern file, or a file is broken; the error
    /// names the file and line.
    pub fn from_dir(dir: &Path) -> Result<Catalog> {
        Catalog::from_sources(&read_dir_sources(dir)?)
    }

    /// The built-in catalog (when `builtin`) with the pattern files of `dirs` added, in the
    /// order given. A file whose vendor id is already loaded replaces that vendor's file, so a
    /// user can change one built-in vendor without copying the others; two files of one vendor
    /// among `dirs` are an error naming both.
    ///
    /// # Errors
    /// When a directory cannot be read or holds no pattern file, a file is broken (the error
    /// names the file and line), two given files define one vendor, or nothing is left to load.
    pub fn with_dirs(builtin: bool, dirs: &[&Path]) -> Result<Catalog> {
        // (vendor id when it can be read, file name, text, given by the user)
        let mut files: Vec<(Option<String>, String, String, bool)> = Vec::new();
        if builtin {
            for (name, text) in EMBEDDED {
                let name = format!("<embedded>/{name}");
                files.push((embedded_vendor_id(text), name, (*text).to_string(), false));
            }
        }
        for dir in dirs {
            for (name, text) in read_dir_sources(dir)? {
                let id = vendor_id_of(&text);
                let same = id
                    .as_ref()
                    .and_then(|id| files.iter().position(|f| f.0.as_ref() == Some(id)));
                match same {
                    Some(i) if files[i].3 => {
                        return Err(Error::pattern(
                            &name,
                            0,
                            format!(
                                "vendor `{}` is defined by {} too",
                                id.unwrap_or_default(),
                                files[i].1
                            ),
                        ));
                    }
                    Some(i) => files[i] = (id, name, text, true),
                    None => files.push((id, name, text, true)),
                }
            }
        }
        if files.is_empty() {
            return Err(Error::Invalid(
                "no pattern files: the built-in catalog is off and no directory was given"
                    .to_string(),
            ));
        }
        let sources: Vec<(String, String)> = files.into_iter().map(|f| (f.1, f.2)).collect();
        Catalog::from_sources(&sources)
    }

    /// Builds a catalog from (file name, TOML text) pairs; the name is used in messages.
    ///
    /// # Errors
    /// When a file does not parse or fails validation (duplicate code, unknown category, regex
    /// that does not compile, missing field, unknown vendor reference, ...).
    pub fn from_sources(files: &[(String, String)]) -> Result<Catalog> {
        let mut cat = Catalog {
            vendors: Vec::new(),
            entries: Vec::new(),
            rules: Vec::new(),
            by_code: Vec::new(),
            by_name: Vec::new(),
            by_code_folded: Vec::new(),
            by_name_folded: Vec::new(),
            fold_clash: Vec::new(),
        };
        let mut pending = Vec::new();
        // Rules share line regexes (a vendor's attribution conditions, WSO2's rejections):
        // each distinct one is compiled once.
        let compiled = RefCell::new(HashMap::new());
        for (file, text) in files {
            cat.load_file(file, text, &mut pending, &compiled)?;
        }
        // Rule indexes are load order, known only once every file is read.
        let rule_ids: Vec<(VendorId, String)> = pending
            .iter()
            .map(|p| (p.rule.vendor, p.rule.id.clone()))
            .collect();
        for p in pending {
            let mut rule = p.rule;
            for (vendor, when) in p.attribute {
                let v = cat.vendor_id(&vendor).ok_or_else(|| {
                    Error::pattern(
                        &p.file,
                        p.line,
                        format!(
                            "rule `{}`: attribute names unknown vendor `{vendor}`",
                            rule.id
                        ),
                    )
                })?;
                rule.attribute.push((v, when));
            }
            for target in &p.suppresses {
                let (vendor, rule_id) = match target.split_once('/') {
                    Some((v, r)) => (v, Some(r)),
                    None => (target.as_str(), None),
                };
                let v = cat.vendor_id(vendor).ok_or_else(|| {
                    Error::pattern(
                        &p.file,
                        p.line,
                        format!("rule `{}`: suppresses unknown vendor `{vendor}`", rule.id),
                    )
                })?;
                // Another rule of its own vendor, yes (one error printed twice on a line); its
                // own vendor as a whole, or itself, would drop its own hits.
                if v == rule.vendor && rule_id.is_none_or(|r| r == rule.id) {
                    return Err(Error::pattern(
                        &p.file,
                        p.line,
                        format!(
                            "rule `{}`: a rule can suppress another rule of its vendor, not \
                             its whole vendor or itself",
                            rule.id
                        ),
                    ));
                }
                let index = match rule_id {
                    None => None,
                    Some(id) => Some(
                        rule_ids
                            .iter()
                            .position(|(rv, rid)| *rv == v && rid == id)
                            .ok_or_else(|| {
                                Error::pattern(
                                    &p.file,
                                    p.line,
                                    format!(
                                        "rule `{}`: suppresses unknown rule `{target}`",
                                        rule.id
                                    ),
                                )
                            })?,
                    ),
                };
                rule.suppresses.push((v, index));
            }
            if !rule.attribute.is_empty() {
                let vendors =
                    std::iter::once(rule.vendor).chain(rule.attribute.iter().map(|a| a.0));
                let mut any = CodeMap::default();
                for v in vendors {
                    any.extend_from(cat.map(&rule, v));
                }
                rule.known_to_any = Some(Box::new(any));
            }
            cat.rules.push(rule);
        }
        Ok(cat)
    }

    fn load_file(
        &mut self,
        file: &str,
        text: &str,
        pending: &mut Vec<PendingRule>,
        compiled: &RefCell<HashMap<String, regex::bytes::Regex>>,
    ) -> Result<()> {
        // Newline offsets once, so that naming the line of each of hundreds of entries stays
        // linear in the file size.
        let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
        let line_of = |offset: usize| newlines.partition_point(|&nl| nl < offset) + 1;
        if text.trim().is_empty() {
            return Err(Error::pattern(file, 0, "empty pattern file"));
        }
        let def: FileDef = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(s.start));
            Error::pattern(
                file,
                line,
                e.message().trim_end_matches('.').trim().to_string(),
            )
        })?;
        let vline = line_of(def.vendor.span().start);
        let vdef = def.vendor.into_inner();
        if vdef.id.is_empty()
            || !vdef
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(Error::pattern(
                file,
                vline,
                format!(
                    "vendor id `{}` must be lowercase letters, digits, `_` or `-`",
                    vdef.id
                ),
            ));
        }
        if self.vendor_id(&vdef.id).is_some() {
            return Err(Error::pattern(
                file,
                vline,
                format!("vendor `{}` is defined by another file too", vdef.id),
            ));
        }
        let vendor = VendorId::try_from(self.vendors.len())
            .map_err(|_| Error::pattern(file, vline, "too many vendors"))?;
        self.by_code.push(CodeMap::default());
        self.by_name.push(CodeMap::default());
        self.by_code_folded.push(CodeMap::default());
        self.by_name_folded.push(CodeMap::default());
        self.fold_clash.push(None);
        self.vendors.push(Vendor {
            id: vdef.id,
            name: vdef.name,
            source: vdef.source,
        });

        for code in def.code {
            let line = line_of(code.span().start);
            let c = code.into_inner();
            if c.code.trim().is_empty() || c.code.trim() != c.code {
                return Err(Error::pattern(
                    file,
                    line,
                    format!("code `{}` is empty or has surrounding spaces", c.code),
                ));
            }
            if c.code.len() > MAX_CODE_LEN {
                return Err(Error::pattern(
                    file,
                    line,
                    format!("code `{}` is longer than {MAX_CODE_LEN} bytes", c.code),
                ));
            }
            // A few documented codes have a title but no text (Okta E0000113): allowed, as
            // long as the entry says something.
            if c.description.trim().is_empty()
                && c.name.as_deref().is_none_or(|n| n.trim().is_empty())
            {
                return Err(Error::pattern(
                    file,
                    line,
                    format!("code `{}` has neither a description nor a name", c.code),
                ));
            }
            let id = EntryId::try_from(self.entries.len())
                .map_err(|_| Error::pattern(file, line, "too many codes"))?;
            if self.by_code[usize::from(vendor)].insert_first(c.code.as_bytes(), id) != id {
                return Err(Error::pattern(
                    file,
                    line,
                    format!(
                        "duplicate code `{}` for vendor `{}`",
                        c.code, self.vendors[vendor as usize].id
                    ),
                ));
            }
            if let Some(name) = &c.name {
                self.by_name[usize::from(vendor)].insert_first(name.as_bytes(), id);
                self.by_name_folded[usize::from(vendor)]
                    .insert_first(name.to_ascii_lowercase().as_bytes(), id);
            }
            let v = usize::from(vendor);
            let first =
                self.by_code_folded[v].insert_first(c.code.to_ascii_lowercase().as_bytes(), id);
            if first != id && self.fold_clash[v].is_none() {
                self.fold_clash[v] =
                    Some((self.entries[first as usize].code.clone(), c.code.clone()));
            }
            self.entries.push(Entry {
                vendor,
                code: c.code,
                name: c.name,
                http_status: c.http_status,
                category: c.category,
                vendor_category: c.vendor_category,
                description: c.description,
                user_message: c.user_message,
                further_info: c.further_info,
                is_error: c.error,
                generic: c.generic,
            });
        }

        let mut rule_ids = HashMap::new();
        for rule in def.rule {
            let line = line_of(rule.span().start);
            let r = rule.into_inner();
            if rule_ids.insert(r.id.clone(), line).is_some() {
                return Err(Error::pattern(
                    file,
                    line,
                    format!("duplicate rule id `{}`", r.id),
                ));
            }
            if r.anchors.is_empty() || r.anchors.iter().any(|a| a.is_empty() || a.contains('\n')) {
                return Err(Error::pattern(
                    file,
                    line,
                    format!(
                        "rule `{}`: `anchors` must list at least one non-empty literal",
                        r.id
                    ),
                ));
            }
            let compile = |what: &str, pattern: &str| {
                if let Some(re) = compiled.borrow().get(pattern) {
                    return Ok(re.clone());
                }
                let re = compile_regex(pattern).map_err(|e| {
                    Error::pattern(
                        file,
                        line,
                        format!("rule `{}`: {what} does not compile: {e}", r.id),
                    )
                })?;
                compiled
                    .borrow_mut()
                    .insert(pattern.to_string(), re.clone());
                Ok(re)
            };
            let regex = compile_engine(&r.regex, r.at_anchor).map_err(|e| {
                Error::pattern(
                    file,
                    line,
                    format!("rule `{}`: regex does not compile: {e}", r.id),
                )
            })?;
            let Some(code_group) = regex
                .group_info()
                .to_index(regex_automata::PatternID::ZERO, "code")
            else {
                return Err(Error::pattern(
                    file,
                    line,
                    format!("rule `{}`: regex has no `(?P<code>...)` group", r.id),
                ));
            };
            let any = |what: &str, list: &[String]| -> Result<Option<regex::bytes::Regex>> {
                // Each alternative is parsed alone first, so that an error names the broken one;
                // only their alternation is compiled.
                for p in list {
                    regex_automata::util::syntax::parse_with(p, &engine_syntax()).map_err(|e| {
                        Error::pattern(
                            file,
                            line,
                            format!("rule `{}`: {what} does not compile: {e}", r.id),
                        )
                    })?;
                }
                if list.is_empty() {
                    return Ok(None);
                }
                let joined: Vec<String> = list.iter().map(|p| format!("(?:{p})")).collect();
                compile(what, &joined.join("|")).map(Some)
            };
            if let (true, Some((a, b))) = (r.fold_case, &self.fold_clash[usize::from(vendor)]) {
                return Err(Error::pattern(
                    file,
                    line,
                    format!(
                        "rule `{}`: `fold_case` cannot tell codes `{a}` and `{b}` apart",
                        r.id
                    ),
                ));
            }
            let require = any("require_any", &r.require_any)?;
            let reject = any("reject_any", &r.reject_any)?;
            let attribute = r
                .attribute
                .iter()
                .map(|a| Ok((a.vendor.clone(), compile("attribute.when", &a.when)?)))
                .collect::<Result<Vec<_>>>()?;
            pending.push(PendingRule {
                rule: Rule {
                    vendor,
                    id: r.id,
                    anchors: r.anchors,
                    regex,
                    pattern: r.regex,
                    code_group,
                    at_anchor: r.at_anchor,
                    lookup: r.lookup,
                    count_unknown: r.unknown,
                    require,
                    reject,
                    attribute: Vec::new(),
                    suppresses: Vec::new(),
                    fallback: r.fallback,
                    fold_case: r.fold_case,
                    origin: format!("{file}:{line}"),
                    known_to_any: None,
                },
                attribute,
                suppresses: r.suppresses,
                file: file.to_string(),
                line,
            });
        }
        Ok(())
    }

    /// All vendors, in load order.
    pub fn vendors(&self) -> &[Vendor] {
        &self.vendors
    }

    /// The vendor with this index.
    pub fn vendor(&self, id: VendorId) -> &Vendor {
        &self.vendors[usize::from(id)]
    }

    /// The index of the vendor with this id (`okta`).
    pub fn vendor_id(&self, id: &str) -> Option<VendorId> {
        self.vendors
            .iter()
            .position(|v| v.id == id)
            .and_then(|i| VendorId::try_from(i).ok())
    }

    /// All entries; an [`EntryId`] indexes this slice.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with this index.
    pub fn entry(&self, id: EntryId) -> &Entry {
        &self.entries[id as usize]
    }

    /// All detection rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The entry of `vendor` whose code is `code`.
    pub fn lookup_code(&self, vendor: VendorId, code: &str) -> Option<EntryId> {
        self.by_code.get(usize::from(vendor))?.get(code.as_bytes())
    }

    /// The entry of `vendor` whose code (or, with [`Lookup::Name`], name) is `text`.
    #[inline]
    pub fn lookup(&self, vendor: VendorId, text: &[u8], how: Lookup) -> Option<EntryId> {
        match how {
            Lookup::Code => self.by_code.get(usize::from(vendor))?.get(text),
            Lookup::Name => self.by_name.get(usize::from(vendor))?.get(text),
        }
    }

    /// The entry of `vendor` that `rule`'s capture `text` names: looked up as the rule's
    /// `lookup` says, ignoring ASCII case when the rule has `fold_case`.
    #[inline]
    pub fn lookup_for(&self, rule: &Rule, vendor: VendorId, text: &[u8]) -> Option<EntryId> {
        // Asked several times per hit: the usual case is inlined, folding is not.
        if !rule.fold_case {
            return self.lookup(vendor, text, rule.lookup);
        }
        self.lookup_folded(rule, vendor, text)
    }

    /// [`Catalog::lookup_for`] of a `fold_case` rule.
    #[inline(never)]
    fn lookup_folded(&self, rule: &Rule, vendor: VendorId, text: &[u8]) -> Option<EntryId> {
        folded_get(self.map(rule, vendor)?, text)
    }

    /// The map `rule` looks its captures up in for `vendor`.
    fn map(&self, rule: &Rule, vendor: VendorId) -> Option<&CodeMap> {
        let maps = match (rule.lookup, rule.fold_case) {
            (Lookup::Code, false) => &self.by_code,
            (Lookup::Name, false) => &self.by_name,
            (Lookup::Code, true) => &self.by_code_folded,
            (Lookup::Name, true) => &self.by_name_folded,
        };
        maps.get(usize::from(vendor))
    }

    /// Whether [`Catalog::lookup_for`] finds `rule`'s capture `text` in the rule's vendor or
    /// in a vendor it attributes to.
    #[inline]
    pub fn known_to_any(&self, rule: &Rule, text: &[u8]) -> bool {
        match (&rule.known_to_any, rule.fold_case) {
            (Some(any), false) => any.get(text).is_some(),
            (Some(any), true) => folded_get(any, text).is_some(),
            (None, _) => std::iter::once(rule.vendor)
                .chain(rule.attribute.iter().map(|a| a.0))
                .any(|v| self.lookup_for(rule, v, text).is_some()),
        }
    }

    /// Resolves a comma-separated vendor list (`okta,wso2`) into vendor indexes.
    ///
    /// # Errors
    /// When a name is not a loaded vendor; the message lists the known ones.
    pub fn parse_vendor_list(&self, list: &str) -> Result<Vec<VendorId>> {
        if list.split(',').all(|s| s.trim().is_empty()) {
            let known: Vec<&str> = self.vendors.iter().map(|v| v.id.as_str()).collect();
            return Err(Error::Invalid(format!(
                "an empty vendor list selects nothing (known: {})",
                known.join(", ")
            )));
        }
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                self.vendor_id(name).ok_or_else(|| {
                    let known: Vec<&str> = self.vendors.iter().map(|v| v.id.as_str()).collect();
                    Error::Invalid(format!(
                        "unknown vendor `{name}` (known: {})",
                        known.join(", ")
                    ))
                })
            })
            .collect()
    }
}

/// Compiles a rule's main regex for the hot path, with the same syntax as [`compile_regex`].
/// A regex only ever matched where an anchor starts (`anchored_only`) gets neither a literal
/// prefilter, which anchored searches never consult, nor a full DFA: the matcher walks its own
/// anchored DFA from the anchor and asks this regex for captures (one-pass or backtracking)
/// or, rarely, for a match end its lazy DFA finds as well.
fn compile_engine(
    pattern: &str,
    anchored_only: bool,
) -> std::result::Result<regex_automata::meta::Regex, String> {
    let mut builder = engine_builder();
    builder.configure(
        engine_config()
            .auto_prefilter(!anchored_only)
            .dfa(!anchored_only),
    );
    builder.build(pattern).map_err(|e| {
        if let Some(limit) = e.size_limit() {
            return format!("compiled regex exceeds size limit of {limit} bytes");
        }
        if let Some(syntax) = e.syntax_error() {
            return syntax.to_string();
        }
        // The engine's own message is terse ("error parsing regex"); its causes say why.
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            message = format!("{message}: {c}");
            cause = c.source();
        }
        message
    })
}

/// A builder of hot-path regexes with the syntax and size limits of [`compile_regex`].
pub(crate) fn engine_builder() -> regex_automata::meta::Builder {
    use regex_automata::meta;
    let mut builder = meta::Builder::new();
    builder.syntax(engine_syntax()).configure(engine_config());
    builder
}

/// The size limits of hot-path regexes.
fn engine_config() -> regex_automata::meta::Config {
    regex_automata::meta::Config::new()
        .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
        .hybrid_cache_capacity(REGEX_SIZE_LIMIT * 2)
}

/// The syntax of pattern-file regexes: bytes, ASCII classes.
pub(crate) fn engine_syntax() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
}

/// Compiles a pattern-file regex: byte-oriented, ASCII classes (`\d` is `[0-9]`, `\b` an ASCII
/// word boundary), which keeps matching fast and lets it run on bytes that are not UTF-8.
pub(crate) fn compile_regex(
    pattern: &str,
) -> std::result::Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT * 2)
        .build()
}

/// The `*.toml` files of `dir` in name order, as (path, text).
fn read_dir_sources(dir: &Path) -> Result<Vec<(String, String)>> {
    let read_err = |cause| Error::PatternDir {
        path: dir.to_path_buf(),
        cause,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_some_and(|x| x == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(Error::pattern(
            &dir.display().to_string(),
            0,
            "no pattern files (*.toml) in this directory",
        ));
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::pattern(&path.display().to_string(), 0, format!("cannot read: {e}"))
        })?;
        files.push((path.display().to_string(), text));
    }
    Ok(files)
}

/// The `[vendor] id` of an embedded pattern file. Only its `[vendor]` table is parsed when it
/// can be cut out (the whole file is hundreds of entries, and the ids name the vendors in every
/// `--help`); the embedded files are ours, and a test checks that both readings agree on them.
fn embedded_vendor_id(text: &str) -> Option<String> {
    vendor_table(text)
        .and_then(vendor_id_of)
        .or_else(|| vendor_id_of(text))
}

/// The `[vendor]` table of a pattern file, from its header line to the next table's header
/// (or the end), when the file has such a line.
fn vendor_table(text: &str) -> Option<&str> {
    let mut start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let head = line.trim();
        match start {
            None if head == "[vendor]" => start = Some(offset),
            Some(s) if head.starts_with('[') => return Some(&text[s..offset]),
            _ => {}
        }
        offset += line.len();
    }
    start.map(|s| &text[s..])
}

/// The `[vendor] id` of a pattern file, read without loading it; `None` when the file does not
/// parse (loading it then reports why, with its line).
fn vendor_id_of(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Head {
        vendor: IdOnly,
    }
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    toml::from_str::<Head>(text).ok().map(|h| h.vendor.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Catalog> {
        Catalog::from_sources(&[("t.toml".to_string(), text.to_string())])
    }

    const VENDOR: &str = "[vendor]\nid = \"v\"\nname = \"V\"\n";

    /// Whether any vendor `rule` reports under knows `text`, one lookup per vendor.
    fn known_to_some_vendor(cat: &Catalog, rule: &Rule, text: &[u8]) -> bool {
        std::iter::once(rule.vendor)
            .chain(rule.attribute.iter().map(|a| a.0))
            .any(|v| cat.lookup_for(rule, v, text).is_some())
    }

    #[test]
    fn one_lookup_tells_whether_any_vendor_of_a_rule_knows_a_capture() {
        let mut cats = vec![Catalog::embedded().unwrap()];
        // A `fold_case` rule that attributes to another vendor, looked up by name.
        let other = "[vendor]\nid = \"w\"\nname = \"W\"\n\
                     [[code]]\ncode = \"W1\"\nname = \"Bad_Thing\"\ndescription = \"d\"\n\
                     category = \"validation\"\n";
        let own = format!(
            "{VENDOR}[[rule]]\nid = \"r\"\nanchors = [\"x\"]\nregex = 'x(?P<code>\\w+)'\n\
             lookup = \"name\"\nfold_case = true\n\
             attribute = [{{ vendor = \"w\", when = 'w' }}]\n\
             [[code]]\ncode = \"V1\"\nname = \"Own_Name\"\ndescription = \"d\"\n\
             category = \"validation\"\n"
        );
        cats.push(
            Catalog::from_sources(&[("v.toml".into(), own), ("w.toml".into(), other.into())])
                .unwrap(),
        );
        for cat in &cats {
            let mut texts: Vec<String> = ["", "nope", "E0000", "invalid_grantx"]
                .iter()
                .map(|t| t.to_string())
                .collect();
            for e in cat.entries() {
                texts.push(e.code.clone());
                texts.push(e.code.to_ascii_uppercase());
                texts.extend(e.name.clone());
                texts.extend(e.name.as_ref().map(|n| n.to_ascii_lowercase()));
            }
            let rules: Vec<&Rule> = cat
                .rules()
                .iter()
                .filter(|r| !r.attribute.is_empty())
                .collect();
            assert!(!rules.is_empty());
            let mut known = 0;
            for rule in rules {
                assert!(rule.known_to_any.is_some(), "{}", rule.origin);
                for text in &texts {
                    let want = known_to_some_vendor(cat, rule, text.as_bytes());
                    assert_eq!(
                        cat.known_to_any(rule, text.as_bytes()),
                        want,
                        "{} {text}",
                        rule.origin
                    );
                    known += usize::from(want);
                }
            }
            assert!(known > 0);
        }
        let cat = &cats[1];
        let rule = &cat.rules()[0];
        assert!(cat.known_to_any(rule, b"BAD_THING") && cat.known_to_any(rule, b"own_name"));
        assert!(!cat.known_to_any(rule, b"W1") && !cat.known_to_any(rule, b"bad_things"));
    }

    #[test]
    fn short_keys_pack_every_length_as_a_buffer_would() {
        let bytes: Vec<u8> = (0..=ShortKey::BYTES as u8)
            .map(|i| i.wrapping_mul(97) ^ 0x5a)
            .collect();
        for n in 0..=ShortKey::BYTES {
            let key = &bytes[..n];
            let mut buf = [0u8; 16];
            buf[..n].copy_from_slice(key);
            buf[15] = n as u8;
            let want = u128::from_le_bytes(buf);
            let got = ShortKey::of(key).unwrap();
            assert_eq!(
                u128::from(got.0) | (u128::from(got.1) << 64),
                want,
                "{key:?}"
            );
        }
        assert_eq!(ShortKey::of(&[0; 16]), None);
        assert_ne!(ShortKey::of(b"a"), ShortKey::of(b"a\0"));
        assert_ne!(ShortKey::of(b""), ShortKey::of(b"\0"));
    }

    #[test]
    fn code_maps_find_short_and_long_keys_and_nothing_else() {
        let mut map = CodeMap::default();
        let keys: [&[u8]; 6] = [
            b"E0000011",
            b"17002",
            b"",
            b"invalid_grant",
            b"unauthorized_client",
            b"Operation.Failure.User.Locked",
        ];
        for (id, key) in (0..).zip(keys) {
            assert_eq!(map.insert_first(key, id), id);
        }
        // A second mapping of a key keeps the first.
        assert_eq!(map.insert_first(b"17002", 9), 1);
        for (id, key) in (0..).zip(keys) {
            assert_eq!(map.get(key), Some(id), "{key:?}");
        }
        for miss in [
            &b"E000001"[..],
            b"E00000111",
            b"17002\0",
            b"\0",
            b"invalid_gran",
            b"unauthorized_clienT",
            b"Operation.Failure.User.Locke",
        ] {
            assert_eq!(map.get(miss), None, "{miss:?}");
        }
    }

    /// A pattern directory holding `files` (name, text).
    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    const ACME: &str = "[vendor]\nid = \"acme\"\nname = \"Acme\"\n\
        [[rule]]\nid = \"r\"\nanchors = [\"ACME-\"]\nregex = 'ACME-(?P<code>\\d+)'\n\
        [[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"d\"\n";

    #[test]
    fn fold_case_finds_any_letter_case_and_refuses_codes_it_cannot_tell_apart() {
        let rule = "[[rule]]\nid = \"r\"\nanchors = [\"X=\"]\nregex = 'X=(?P<code>\\w+)'\n";
        let code = |c: &str| {
            format!("[[code]]\ncode = \"{c}\"\ncategory = \"token\"\ndescription = \"d\"\n")
        };
        let folded = format!(
            "{VENDOR}{rule}fold_case = true\n{}{}",
            code("E0000A"),
            code("bad_grant")
        );
        let cat = load(&folded).unwrap();
        let (v, r) = (cat.vendor_id("v").unwrap(), &cat.rules()[0]);
        let found = |text: &str| {
            cat.lookup_for(r, v, text.as_bytes())
                .map(|id| cat.entry(id).code.clone())
        };
        assert_eq!(found("e0000a").as_deref(), Some("E0000A"));
        assert_eq!(found("BAD_GRANT").as_deref(), Some("bad_grant"));
        assert_eq!(found("bad_grants"), None);
        assert_eq!(found(&"A".repeat(300)), None);
        let exact = load(&format!("{VENDOR}{rule}{}", code("E0000A"))).unwrap();
        assert_eq!(exact.lookup_for(&exact.rules()[0], v, b"e0000a"), None);
        // Two codes that differ only in case: fine without `fold_case`, an error with it.
        assert!(load(&format!("{VENDOR}{rule}{}{}", code("Ab"), code("aB"))).is_ok());
        let err = load(&format!(
            "{VENDOR}{rule}fold_case = true\n{}{}",
            code("Ab"),
            code("aB")
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`fold_case` cannot tell codes `Ab` and `aB` apart"),
            "{err}"
        );
    }

    #[test]
    fn pattern_directories_add_to_the_builtin_catalog() {
        let builtin = Catalog::embedded().unwrap();
        let dir = dir_with(&[("acme.toml", ACME)]);
        let cat = Catalog::with_dirs(true, &[dir.path()]).unwrap();
        assert_eq!(cat.vendors().len(), builtin.vendors().len() + 1);
        assert_eq!(cat.entries().len(), builtin.entries().len() + 1);
        assert!(cat.vendor_id("okta").is_some() && cat.vendor_id("acme").is_some());
        let only = Catalog::with_dirs(false, &[dir.path()]).unwrap();
        assert_eq!(only.vendors().len(), 1);
    }

    #[test]
    fn a_file_of_a_builtin_vendor_replaces_it() {
        let okta = ACME.replace("id = \"acme\"", "id = \"okta\"");
        let dir = dir_with(&[("my-okta.toml", &okta)]);
        let builtin = Catalog::embedded().unwrap();
        let cat = Catalog::with_dirs(true, &[dir.path()]).unwrap();
        assert_eq!(cat.vendors().len(), builtin.vendors().len());
        let v = cat.vendor_id("okta").unwrap();
        let codes: Vec<&str> = cat
            .entries()
            .iter()
            .filter(|e| e.vendor == v)
            .map(|e| e.code.as_str())
            .collect();
        assert_eq!(codes, ["1"]);
    }

    #[test]
    fn one_vendor_in_two_given_files_is_an_error_naming_both() {
        let a = dir_with(&[("a.toml", ACME)]);
        let b = dir_with(&[("b.toml", ACME)]);
        let e = Catalog::with_dirs(true, &[a.path(), b.path()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b.toml") && e.contains("a.toml") && e.contains("acme"),
            "{e}"
        );
        let e = Catalog::with_dirs(false, &[]).unwrap_err().to_string();
        assert!(e.contains("no pattern files"), "{e}");
    }

    #[test]
    fn loads_a_minimal_file() {
        let cat = load(&format!(
            "{VENDOR}[[rule]]\nid = \"r\"\nanchors = [\"V \"]\nregex = 'V (?P<code>\\d+)'\n\
             [[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"d\"\n"
        ))
        .unwrap();
        assert_eq!(cat.vendors().len(), 1);
        assert_eq!(cat.entries()[0].category, Category::Token);
        assert_eq!(cat.lookup_code(0, "1"), Some(0));
        assert_eq!(cat.rules()[0].origin, "t.toml:4");
    }

    fn err(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn duplicate_code_names_the_line() {
        let e = err(&format!(
            "{VENDOR}[[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"d\"\n\
             [[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"e\"\n"
        ));
        assert_eq!(e, "t.toml:8: duplicate code `1` for vendor `v`");
    }

    #[test]
    fn unknown_category_names_the_line() {
        let e = err(&format!(
            "{VENDOR}[[code]]\ncode = \"1\"\ncategory = \"oops\"\ndescription = \"d\"\n"
        ));
        assert!(e.starts_with("t.toml:6: unknown variant `oops`"), "{e}");
    }

    #[test]
    fn missing_field_is_an_error() {
        let e = err(&format!(
            "{VENDOR}[[code]]\ncode = \"1\"\ncategory = \"token\"\n"
        ));
        assert!(
            e.starts_with("t.toml:4:") && e.contains("missing field `description`"),
            "{e}"
        );
    }

    #[test]
    fn bad_regex_names_the_rule_line() {
        let e = err(&format!(
            "{VENDOR}\n[[rule]]\nid = \"r\"\nanchors = [\"x\"]\nregex = '(?P<code>['\n"
        ));
        assert!(
            e.starts_with("t.toml:5: rule `r`: regex does not compile"),
            "{e}"
        );
    }

    #[test]
    fn regex_without_code_group_is_an_error() {
        let e = err(&format!(
            "{VENDOR}[[rule]]\nid = \"r\"\nanchors = [\"x\"]\nregex = 'x'\n"
        ));
        assert_eq!(e, "t.toml:4: rule `r`: regex has no `(?P<code>...)` group");
    }

    #[test]
    fn oversized_regex_is_an_error() {
        let e = err(&format!(
            "{VENDOR}[[rule]]\nid = \"r\"\nanchors = [\"x\"]\nregex = '(?P<code>\\w{{1000}}){{1000}}'\n"
        ));
        assert!(e.contains("does not compile") && e.contains("limit"), "{e}");
    }

    #[test]
    fn empty_file_and_missing_vendor_are_errors() {
        assert_eq!(err(""), "t.toml:0: empty pattern file");
        assert!(err("# only a comment\n").contains("missing field `vendor`"));
    }

    #[test]
    fn unknown_attribute_vendor_is_an_error() {
        let e = err(&format!(
            "{VENDOR}[[rule]]\nid = \"r\"\nanchors = [\"x\"]\nregex = '(?P<code>x)'\n\
             attribute = [{{ vendor = \"nope\", when = \"y\" }}]\n"
        ));
        assert_eq!(
            e,
            "t.toml:4: rule `r`: attribute names unknown vendor `nope`"
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        let e = err(&format!(
            "{VENDOR}[[code]]\ncode = \"1\ncategory = \"token\"\n"
        ));
        assert!(e.starts_with("t.toml:5:"), "{e}");
    }

    #[test]
    fn the_vendor_table_alone_gives_each_embedded_files_id() {
        for (name, text) in EMBEDDED {
            assert!(vendor_table(text).is_some(), "{name}");
            let full = vendor_id_of(text);
            assert!(full.is_some(), "{name}");
            assert_eq!(vendor_table(text).and_then(vendor_id_of), full, "{name}");
        }
        // A table that does not parse alone falls back to the whole file.
        let text = "[vendor]\nid = \"\"\"a\n[b]\"\"\"\nname = \"A\"\n";
        assert_eq!(embedded_vendor_id(text).as_deref(), Some("a\n[b]"));
        assert_eq!(embedded_vendor_id("x = 1\n"), None);
    }

    #[test]
    fn embedded_catalog_has_every_code_of_every_file() {
        // Counted from the files' text, independently of the loader: one vendor per file and
        // one entry per `[[code]]` table.
        let cat = Catalog::embedded().unwrap();
        assert_eq!(cat.vendors().len(), EMBEDDED.len());
        for (file, text) in EMBEDDED {
            let id = text
                .lines()
                .skip_while(|l| l.trim() != "[vendor]")
                .find_map(|l| l.trim().strip_prefix("id = "))
                .map(|v| v.trim_matches('"'))
                .unwrap_or_else(|| panic!("{file}: no vendor id"));
            let v = cat
                .vendor_id(id)
                .unwrap_or_else(|| panic!("{file}: {id} not loaded"));
            let codes = text.lines().filter(|l| l.trim() == "[[code]]").count();
            let loaded = cat.entries().iter().filter(|e| e.vendor == v).count();
            assert_eq!(loaded, codes, "{file}");
            assert!(codes > 0, "{file}");
        }
    }
}
