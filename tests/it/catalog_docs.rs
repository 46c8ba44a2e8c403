//! The shipped catalog against the vendors' own documents in `tests/data/vendor-docs/`: every
//! documented code is in the catalog once, nothing else is, and sample descriptions are
//! verbatim.

use std::collections::BTreeSet;

use errscan::Catalog;
use regex::Regex;

use crate::common::test_data;

fn doc(name: &str) -> String {
    let path = test_data(&format!("vendor-docs/{name}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn catalog_codes(cat: &Catalog, vendor: &str) -> Vec<String> {
    let v = cat.vendor_id(vendor).expect(vendor);
    cat.entries()
        .iter()
        .filter(|e| e.vendor == v)
        .map(|e| e.code.clone())
        .collect()
}

fn assert_same(vendor: &str, documented: Vec<String>) {
    let cat = Catalog::embedded().unwrap();
    let ours = catalog_codes(&cat, vendor);
    let doc_set: BTreeSet<_> = documented.iter().cloned().collect();
    let our_set: BTreeSet<_> = ours.iter().cloned().collect();
    assert_eq!(
        doc_set.len(),
        documented.len(),
        "{vendor}: the document lists a code twice"
    );
    assert_eq!(
        our_set.len(),
        ours.len(),
        "{vendor}: the catalog lists a code twice"
    );
    let missing: Vec<_> = doc_set.difference(&our_set).collect();
    let extra: Vec<_> = our_set.difference(&doc_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{vendor}: missing {missing:?}, extra {extra:?}"
    );
}

fn description(vendor: &str, code: &str) -> String {
    let cat = Catalog::embedded().unwrap();
    let v = cat.vendor_id(vendor).unwrap();
    cat.entry(cat.lookup_code(v, code).unwrap())
        .description
        .clone()
}

#[test]
fn okta_codes_match_the_document() {
    let text = doc("okta.txt");
    let mut codes: Vec<String> = Regex::new(r"(?m)^(E\d{7}):")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(codes.len(), 145);
    let oidc = text
        .split("Example errors for OpenID Connect and Social Login")
        .nth(1)
        .unwrap();
    codes.extend(
        Regex::new(r"(?m)^([a-z]+(?:_[a-z]+)+) ")
            .unwrap()
            .captures_iter(oidc)
            .map(|c| c[1].to_string()),
    );
    assert_eq!(codes.len(), 156);
    assert_same("okta", codes);
    assert_eq!(description("okta", "E0000012"), "Unsupported media type");
    assert_eq!(
        description("okta", "E0000109"),
        "An SMS message was recently sent. Please wait 30 seconds before trying again."
    );
    assert_eq!(
        description("okta", "user_canceled_request"),
        "User canceled the social sign-in request."
    );
}

#[test]
fn wso2_codes_match_the_document() {
    let text = doc("wso2-identity-server.md");
    let codes: Vec<String> = Regex::new(r"(?m)^\|\s*(\d{5})\s*\|")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(codes.len(), 77);
    assert_same("wso2", codes);
    assert_eq!(
        description("wso2", "17002"),
        "Invalid credentials are provided."
    );
    assert_eq!(
        description("wso2", "17003"),
        "The account is locked after multiple incorrect login attempts and the user attempts to log in again."
    );
}

#[test]
fn akamai_codes_and_names_match_the_document() {
    let text = doc("akamai-identity-cloud.txt");
    let pairs: Vec<(String, String)> = Regex::new(r"(?m)^(\d+)\n([a-z_]+)\. ")
        .unwrap()
        .captures_iter(&text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    assert_eq!(pairs.len(), 43);
    let cat = Catalog::embedded().unwrap();
    let v = cat.vendor_id("akamai").unwrap();
    for (code, name) in &pairs {
        let e = cat.entry(cat.lookup_code(v, code).unwrap());
        assert_eq!(e.name.as_deref(), Some(name.as_str()), "akamai {code}");
    }
    assert_same("akamai", pairs.into_iter().map(|p| p.0).collect());
    assert_eq!(
        description("akamai", "210"),
        "The supplied email address or password was incorrect."
    );
    assert_eq!(
        description("akamai", "201"),
        "Two or more conflicting arguments were included in the same operation. For example, you typically can't use id and uuid in the same operation."
    );
}

#[test]
fn stormpath_codes_match_the_document() {
    let text = doc("stormpath.rst");
    let codes: Vec<String> = Regex::new(r"(?m)^(?:Error )?(\d{4,5})[ \t]*\n-{3,}[ \t]*$")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(codes.len(), 147);
    assert_same("stormpath", codes);
    assert_eq!(
        description("stormpath", "7100"),
        "Login attempt failed because the specified password is incorrect."
    );
    assert_eq!(
        description("stormpath", "2001"),
        "The specified property value already exists. Please choose another value."
    );
}

#[test]
fn idaas_codes_match_the_document() {
    let text = doc("alibaba-cloud-idaas.txt");
    let row = Regex::new(r"^([A-Za-z0-9_.]+?)((?:WeChat|Grant_Type|[A-Z][a-z]*)[ -].*)$").unwrap();
    let mut codes = Vec::new();
    let mut in_table = false;
    for line in text.split('\n') {
        let s = line.trim();
        if s == "Error codeDescription" || s == "Error messageDescription" {
            in_table = true;
        } else if s.is_empty() {
            in_table = false;
        } else if in_table {
            let c = row
                .captures(s)
                .unwrap_or_else(|| panic!("unparsed row {s:?}"));
            codes.push(c[1].to_string());
        }
    }
    assert_eq!(codes.len(), 162);
    assert_same("idaas", codes);
    assert_eq!(
        description("idaas", "Params.Blank.OauthClient.Grant_Type"),
        "Grant_Type is not specified."
    );
    assert_eq!(
        description("idaas", "Operation.Failure.Send.SMS.Fail"),
        "Failed to send the SMS message."
    );
}

#[test]
fn oauth_codes_are_the_standard_ones() {
    let expected = "invalid_request unauthorized_client access_denied unsupported_response_type \
        invalid_scope server_error temporarily_unavailable invalid_client invalid_grant \
        unsupported_grant_type interaction_required login_required account_selection_required \
        consent_required invalid_request_uri invalid_request_object request_not_supported \
        request_uri_not_supported registration_not_supported invalid_token insufficient_scope";
    assert_same(
        "oauth",
        expected.split_whitespace().map(String::from).collect(),
    );
    assert_eq!(
        description("oauth", "access_denied"),
        "The resource owner or authorization server denied the request."
    );
    assert_eq!(
        description("oauth", "unsupported_grant_type"),
        "The authorization grant type is not supported by the authorization server."
    );
}

#[test]
fn idaas_success_is_catalogued_but_not_an_error() {
    let cat = Catalog::embedded().unwrap();
    let v = cat.vendor_id("idaas").unwrap();
    let e = cat.entry(cat.lookup_code(v, "Operation.Success").unwrap());
    assert!(!e.is_error);
    assert_eq!(cat.entries().iter().filter(|e| !e.is_error).count(), 1);
}
