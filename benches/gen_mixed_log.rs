//! Benchmark input generator for errscan: writes a deterministic mixed log with a known answer.
//!
//! The log is mostly noise full of code-like numbers that must produce no hit: access logs (HTTP
//! statuses, byte sizes such as 2326 or 17002, ports, `rt=`), Java application lines (log4j
//! timestamps, stack traces with line numbers, `took 2001 ms`, pids), gateway JSON from unrelated
//! services (`{"code":2001,...}`, `"code":"20015"` without a WSO2 envelope,
//! `{"code":210,"error":"rate_limited"}` without Akamai's `"stat":"error"`), other clouds' dotted
//! codes, OAuth names in prose, syslog lines. About 15% of the lines are real vendor errors, in
//! the log shapes that the rules of `patterns/*.toml` describe, for all six vendors (okta, wso2,
//! akamai, stormpath, idaas, oauth), with codes taken from the vendor documents in
//! `tests/data/vendor-docs/` (the tables at the bottom of this file) and, rarely, codes the
//! documents lack in an unmistakable context (`Okta E0000199`), which errscan must report as
//! unknown.
//!
//! Every vendor line carries exactly one error, so the ground truth is exact: `EXPECTED_CSV`
//! (header `vendor,code,count`, rows sorted by vendor then code) counts one hit per vendor line,
//! following errscan's rules for settling a line's hits: a code repeated in a line (Okta
//! errorLink, Stormpath moreInfo) counts once; IDaaS counts the specific `message` code, not the
//! generic `code`; an Akamai number plus its name counts once, on the number (also when the name
//! is `invalid_request`); OAuth names are attributed to `okta` / `idaas` when the line names them
//! (their hosts, paths, envelopes), otherwise to `oauth`.
//!
//! The output is a pure function of its size: a fixed-seed splitmix64 PRNG drives everything and
//! a bigger file starts with the smaller one. It stops after the line that reaches `SIZE_BYTES`.
//!
//! Usage (positional arguments; SIZE_BYTES takes an optional K/M/G, KB/MB/GB or KiB/MiB/GiB
//! suffix):
//!
//! ```text
//! mkdir -p target/bench
//! cargo run --release --example gen_mixed_log -- 1GiB target/bench/mixed-1GiB.log target/bench/mixed-1GiB.expected.csv
//! # or without cargo:
//! rustc --edition 2021 -O -o target/gen_mixed_log benches/gen_mixed_log.rs
//! target/gen_mixed_log 100MB target/bench/mixed-100MB.log target/bench/mixed-100MB.expected.csv
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

/// Vendor lines per thousand line choices (stack-frame continuation lines are noise, so the
/// final share is a little lower; the run prints it).
const VENDOR_PER_MILLE: u64 = 177;
/// One vendor line in this many uses a code its vendor document lacks (where a template allows).
const UNKNOWN_ONE_IN: u64 = 64;
/// 2026-11-21T00:00:00Z, the start of the simulated clock.
const START_MS: u64 = 1_795_219_200_000;
const SEED: u64 = 0x5EED_E225_CA11_0001;

// ---------------------------------------------------------------------------------------------
// Line templates. `{name}` is a placeholder (see `Ph`); any other brace is literal text. An
// unknown `{name}` panics at start-up.
//
// Vendor-line placeholders: {code} the error code, {desc} its documented text, {desc_url} the
// same form-encoded, {name} Akamai's snake_case name, {gen} IDaaS's generic code for the specific
// {code}, {http} the HTTP status (Okta: the documented one).
//
// Shared placeholders: timestamps {iso} {log4j} {clf} {syslog} {epoch_ms}; ids {ip} {uuid} {rid}
// {hex16} {user} {host} {thread} {ua} {path} {method} {svc} {cls} {arg} {sub}; hosts {okta_host}
// {idaas_host} {oauth_host}; numbers {status} {size} {port} {ms} {pid} {line} {n} {n3} {n4} {n5}
// and {conf3} {conf4} {conf5}, real Akamai / Stormpath / WSO2 code numbers used where they are
// NOT errors. Vendor templates avoid free 3-5 digit numbers so that their one hit is
// unambiguous; noise templates are full of them.
// ---------------------------------------------------------------------------------------------

/// Which code table a vendor template draws from (see `build_pools`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum P {
    Okta,
    OktaOauth,
    Wso2,
    Wso2Login,
    Akamai,
    AkamaiInvalidRequest,
    Stormpath,
    Idaas,
    IdaasOauth,
    Oauth,
}

/// Vendor error lines: (code table, weight, stack frames that follow, template).
#[rustfmt::skip]
const VENDOR_TEMPLATES: &[(P, u32, u8, &str)] = &[
    // --- Okta: JSON error bodies (errorLink repeats the code) and SDK exceptions.
    (P::Okta, 4, 0, r#"{iso} INFO  [{thread}] c.e.iam.OktaClient - okta response status={http} body={"errorCode":"{code}","errorSummary":"{desc}","errorLink":"{code}","errorId":"oae{rid}","errorCauses":[]}"#),
    (P::Okta, 3, 0, r#"{"level":"warn","ts":"{iso}","msg":"okta api error","status":{http},"errorCode":"{code}","errorSummary":"{desc}","errorLink":"{code}","errorId":"oae{rid}"}"#),
    (P::Okta, 2, 0, r#"{ip} - - [{clf}] "POST /api/v1/users?activate=true HTTP/1.1" {http} - "-" "okta-sdk-java/8.2.2" resp={"errorCode":"{code}","errorSummary":"{desc}","errorLink":"{code}","errorId":"oae{rid}","errorCauses":[{"errorSummary":"login: An object with this field already exists"}]}"#),
    (P::Okta, 4, 3, r#"{log4j} ERROR [{thread}] c.e.iam.UserSyncJob - sync of {user} failed: com.okta.sdk.resource.ResourceException: HTTP {http}, Okta {code} ({desc}), ErrorId oae{rid}"#),
    (P::Okta, 2, 0, r#"{iso} {host} node[{pid}]: ResourceError: HTTP {http}, Okta {code} ({code}): {desc}"#),
    // --- Okta-attributed OAuth/OIDC errors: the line names an Okta host.
    (P::OktaOauth, 2, 0, r#"{ip} - - [{clf}] "GET /authorization-code/callback?error={code}&error_description={desc_url}&state={rid} HTTP/1.1" 302 - "https://{okta_host}/" "{ua}""#),
    (P::OktaOauth, 2, 0, r#"{log4j} WARN  [{thread}] o.s.s.o.c.web.OAuth2LoginAuthenticationFilter - authorization failed: https://{okta_host}/oauth2/default/v1/authorize redirected to https://app.example.com/authorization-code/callback?error={code}&error_description={desc_url}&state={rid}"#),
    (P::OktaOauth, 1, 0, r#"{log4j} ERROR [{thread}] c.e.auth.TokenClient - POST https://{okta_host}/oauth2/default/v1/token -> {http} {"error":"{code}","error_description":"{desc}"}"#),
    // --- WSO2 IS: REST error bodies, SCIM errors, login redirects, carbon log lines.
    (P::Wso2, 3, 0, r#"{iso} {host} api-gw: upstream https://is.example.com/api/server/v1/identity-governance status={http} body={"code":"{code}","message":"{desc}","description":"Unable to complete the request for user {user}.","traceId":"{uuid}"}"#),
    (P::Wso2, 2, 0, r#"{log4j} WARN  [{thread}] c.e.account.RecoveryClient - recovery failed: {"traceId":"{uuid}","code":"{code}","message":"{desc}","description":"{desc}"}"#),
    (P::Wso2, 3, 0, r#"{log4j} WARN  [{thread}] c.e.provisioning.ScimClient - SCIM PATCH /scim2/Users/{uuid} failed: {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidValue","detail":"{code} - {desc}","status":"400"}"#),
    (P::Wso2Login, 3, 0, r#"{ip} - - [{clf}] "GET /authenticationendpoint/login.do?client_id={rid}&commonAuthCallerPath=%2Foauth2%2Fauthorize&sessionDataKey={uuid}&authFailure=true&authFailureMsg=login.fail.message&errorCode={code}&failedUsername={user}&remainingAttempts={n} HTTP/1.1" 200 - "-" "{ua}""#),
    (P::Wso2Login, 2, 0, r#"{log4j} INFO  [{thread}] c.e.web.LoginController - redirecting to https://is.example.com/authenticationendpoint/login.do?authFailure=true&authFailureMsg=account.confirmation.pending&errorCode={code}&failedUsername={user}&remainingAttempts=0"#),
    (P::Wso2, 4, 0, r#"[{log4j}] ERROR {org.wso2.carbon.identity.recovery.internal.service.impl.UserAccountRecoveryManager} - Error code: {code} {desc}"#),
    (P::Wso2, 3, 0, r#"[{log4j}] ERROR {org.wso2.carbon.identity.mgt.listener.IdentityMgtEventListener} - Authentication failed for user {user}: {code} {desc}"#),
    // --- Akamai Identity Cloud: the stat/code/error envelope in several key orders.
    (P::Akamai, 3, 0, r#"{iso} {host} capture-proxy: POST /oauth/auth_native_traditional resp={"request_id":"{rid}","code":{code},"error":"{name}","error_description":"{desc}","stat":"error"}"#),
    (P::Akamai, 3, 0, r#"{log4j} WARN  [{thread}] c.e.janrain.CaptureClient - /entity.update failed: {"stat":"error","code":{code},"error":"{name}","error_description":"{desc}","request_id":"{rid}"}"#),
    (P::Akamai, 2, 0, r#"{"ts":"{iso}","svc":"registration","resp":{"argument_name":"{arg}","code":{code},"error_description":"{desc}","error":"{name}","request_id":"{rid}","stat":"error"}}"#),
    (P::Akamai, 2, 0, r#"{iso} {host} capture-proxy: resp={"code":{code},"error":"{name}","error_description":"{desc}","sub_error":"{sub}","request_token":"{hex16}","stat":"error"}"#),
    (P::AkamaiInvalidRequest, 1, 0, r#"{log4j} WARN  [{thread}] c.e.janrain.TokenClient - /oauth/token failed: {"error_description":"{desc}","error":"{name}","code":{code},"request_id":"{rid}","stat":"error"}"#),
    // --- Stormpath: SDK exceptions (the code repeats in the docs URL) and REST bodies.
    (P::Stormpath, 3, 3, r#"{log4j} ERROR [{thread}] c.e.account.LoginService - com.stormpath.sdk.resource.ResourceException: HTTP {http}, Stormpath {code} (http://docs.stormpath.com/errors/{code}): {desc}"#),
    (P::Stormpath, 2, 0, r#"{log4j} WARN  [{thread}] c.e.account.Registration - HTTP {http}, Stormpath {code} (https://docs.stormpath.com/rest/product-guide/latest/errors.html#error-{code}), RequestId {uuid}"#),
    (P::Stormpath, 3, 0, r#"{iso} {host} stormpath-client: {"status":{http},"code":{code},"message":"{desc}","developerMessage":"{desc}","moreInfo":"https://docs.stormpath.com/rest/product-guide/latest/errors.html#error-{code}","requestId":"{uuid}"}"#),
    (P::Stormpath, 2, 0, r#"{log4j} DEBUG [{thread}] c.e.account.ApiClient - response {"message":"{desc}","status":{http},"code":{code},"developerMessage":"{desc}","moreInfo":"http://docs.stormpath.com/errors/{code}","requestId":"{uuid}"}"#),
    // --- Alibaba Cloud IDaaS: the CIAM envelope (generic code + specific message), bare codes.
    (P::Idaas, 4, 0, r#"{iso} {host} ciam-gw: resp={"success":false,"code":"{gen}","message":"{code}","requestId":"{epoch_ms}${uuid}","data":null}"#),
    (P::Idaas, 2, 0, r#"{log4j} WARN  [{thread}] c.e.ciam.IdaasClient - {"requestId":"{epoch_ms}${uuid}","data":null,"message":"{code}","code":"{gen}","success":false}"#),
    (P::Idaas, 2, 0, r#"{iso} {host} ciam-gw: resp={"code":"{code}"}"#),
    (P::Idaas, 2, 0, r#"{log4j} WARN  [{thread}] c.e.ciam.LoginService - login rejected for {user}: {code} (requestId={epoch_ms}${uuid})"#),
    // --- IDaaS-attributed OAuth errors: IDaaS hosts and the developer/ciam token path.
    (P::IdaasOauth, 3, 0, r#"{log4j} WARN  [{thread}] c.e.ciam.TokenClient - token exchange failed: {"error":"{code}","error_description":"{desc}","error_uri":"http://{idaas_host}/api/bff/v1.2/developer/ciam/oauth/token/provider","requestId":"{epoch_ms}${uuid}"}"#),
    (P::IdaasOauth, 2, 0, r#"{ip} - - [{clf}] "GET /login/callback?error={code}&error_description={desc_url}&state={rid} HTTP/1.1" 302 - "https://{idaas_host}/login" "{ua}""#),
    // --- Generic OAuth/OIDC: the `error` key in URLs and bodies, no vendor named.
    (P::Oauth, 4, 0, r#"{ip} - - [{clf}] "GET /oauth/callback?error={code}&error_description={desc_url}&state={rid} HTTP/1.1" 302 - "-" "{ua}""#),
    (P::Oauth, 3, 0, r#"{log4j} WARN  [{thread}] o.s.s.o.c.e.DefaultRefreshTokenTokenResponseClient - token endpoint returned {http}: {"error":"{code}","error_description":"{desc}"}"#),
    (P::Oauth, 2, 0, r#"{iso} {host} auth-proxy[{pid}]: upstream=https://{oauth_host}/token status={http} body={"error":"{code}"}"#),
    (P::Oauth, 2, 0, r#"{"time":"{iso}","level":"warn","msg":"oauth refresh failed","error":"{code}","error_description":"{desc}","client_id":"{rid}"}"#),
];

/// Noise lines, no hit: (weight, stack frames that follow, template).
#[rustfmt::skip]
const NOISE_TEMPLATES: &[(u32, u8, &str)] = &[
    // Access logs: statuses, byte sizes, ports and timings that look like codes.
    (14, 0, r#"{ip} - - [{clf}] "{method} {path} HTTP/1.1" {status} {size} "-" "{ua}""#),
    (8, 0, r#"{ip} - {user} [{clf}] "{method} {path}?page={n}&limit={n3} HTTP/1.1" {status} {size} "https://shop.example.com/" "{ua}" rt=0.{n3}"#),
    (6, 0, r#"{ip} - - [{clf}] "GET /api/v2/orders/{n5} HTTP/2.0" {status} {size} "-" "{ua}" upstream={ip}:{port} request_time={n}.{n3}"#),
    (4, 0, r#"{iso} {host} haproxy[{pid}]: {ip}:{port} [{clf}] fe_https be_app/app{n} 0/0/{n}/{ms}/{ms} {status} {size} - - ---- {n3}/{n3}/0/0/0 0/0 "GET {path} HTTP/1.1""#),
    (3, 0, r#"{ip} - - [{clf}] "GET /authenticationendpoint/login.do?client_id={rid}&sessionDataKey={uuid} HTTP/1.1" {status} {size} "-" "{ua}""#),
    // Java application lines.
    (7, 0, r#"{log4j} INFO  [{thread}] c.e.billing.InvoiceService - processed batch {n5} in {ms} ms ({n4} records)"#),
    (5, 0, r#"{log4j} DEBUG [{thread}] o.h.SQL - select o.id, o.total from orders o where o.customer_id={n5} and o.status={n3}"#),
    (5, 0, r#"{log4j} WARN  [{thread}] c.e.http.PooledClient - request to http://{svc}:{port}/health took {ms} ms"#),
    (3, 0, r#"{log4j} INFO  [{thread}] c.e.Application - Started Application in {n}.{n3} seconds (process running for {n}.{n3}), pid={pid}"#),
    (3, 4, r#"{log4j} ERROR [{thread}] c.e.orders.OrderController - request {uuid} failed: java.net.SocketTimeoutException: Read timed out after {ms} ms"#),
    (2, 3, r#"{log4j} ERROR [{thread}] c.e.inventory.StockSync - java.lang.IllegalStateException: stock {conf4} for sku {n5} is negative"#),
    (4, 0, r#"{log4j} INFO  [{thread}] c.e.auth.SessionService - user {user} logged in from {ip} (session {rid}, ttl {conf4} s)"#),
    (2, 0, r#"{log4j} INFO  [{thread}] c.e.iam.UserSyncJob - synced {n4} users from {okta_host} in {ms} ms"#),
    (2, 0, r#"{log4j} INFO  [{thread}] c.e.account.Migration - imported {n4} accounts from the old Stormpath tenant in {ms} ms"#),
    (2, 0, r#"[{log4j}]  INFO {org.wso2.carbon.identity.application.authentication.framework.handler.DefaultAuthenticationHandler} - User {user} authenticated successfully"#),
    (1, 0, r#"[{log4j}]  INFO {org.wso2.carbon.core.transports.http.HttpsTransportListener} - HTTPS port : 9443"#),
    // Gateway JSON from unrelated services: codes without their vendor's envelope.
    (4, 0, r#"{iso} {host} gateway: {"code":{conf4},"msg":"order queued","data":{"orderId":{n5},"items":{n}}}"#),
    (3, 0, r#"{iso} {host} gateway: {"code":"{conf5}","status":"OK","items":{n}}"#),
    (2, 0, r#"{iso} {host} quota-svc: {"code":"{conf5}","message":"Quota check passed","remaining":{n4}}"#),
    (3, 0, r#"{iso} {host} ratelimiter: {"code":{conf3},"error":"rate_limited","retry_after_ms":{ms}}"#),
    (2, 0, r#"{iso} {host} payments: {"status":{status},"code":{conf4},"message":"card declined","requestId":"{uuid}"}"#),
    (2, 0, r#"{"level":"info","ts":"{iso}","msg":"request completed","status":{status},"bytes":{size},"duration_ms":{ms},"pid":{pid}}"#),
    (2, 0, r#"{"level":"error","ts":"{iso}","msg":"upstream failed","error":"context deadline exceeded","attempt":{n},"port":{port}}"#),
    (1, 0, r#"{iso} {host} profile-svc: {"stat":"ok","result":{"uuid":"{uuid}","visits":{conf3}}}"#),
    // Other clouds' dotted codes (not IDaaS), OAuth names in prose, not-quite Okta tokens.
    (2, 0, r#"{iso} {host} ecs-agent: {"RequestId":"{uuid}","HostId":"ecs.aliyuncs.com","Code":"InvalidParameter.Format","Message":"The specified parameter is not valid."}"#),
    (1, 0, r#"{iso} {host} oss-sync: {"Code":"Throttling.User","Message":"Request was denied due to user flow control.","retry":{n}}"#),
    (1, 0, r#"{iso} {host} ram-proxy: errorCode=Forbidden.RAM status={status} took {conf4} ms"#),
    (2, 0, r#"{log4j} INFO  [{thread}] c.e.auth.RefreshPolicy - on invalid_grant refresh the session, on access_denied show the login page (retry in {conf4} ms)"#),
    (1, 0, r#"{iso} {host} inventory: sku=E0000{n4} moved to bin {n3} by {user}"#),
    // Syslog.
    (3, 0, r#"{syslog} {host} sshd[{pid}]: Accepted publickey for {user} from {ip} port {port} ssh2"#),
    (2, 0, r#"{syslog} {host} kernel: [{n5}.{n5}] TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies."#),
    (2, 0, r#"{syslog} {host} systemd[1]: Started Session {conf5} of user {user}."#),
    (3, 0, r#"{iso} {host} worker[{pid}]: job {uuid} took {conf4} ms"#),
    (2, 0, r#"{iso} {host} app[{pid}]: listening on port {conf5}"#),
];

/// Stack-trace continuation lines after an exception line (noise).
#[rustfmt::skip]
const FRAMES: &[&str] = &[
    "\tat com.example.{cls}.handle({cls}.java:{line})",
    "\tat com.example.{cls}.process({cls}.java:{line})",
    "\tat com.okta.sdk.impl.ds.DefaultDataStore.execute(DefaultDataStore.java:{line})",
    "\tat com.stormpath.sdk.impl.ds.DefaultDataStore.save(DefaultDataStore.java:{line})",
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:{line})",
    "\tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:{line})",
    "\tat java.base/java.lang.Thread.run(Thread.java:{line})",
    "Caused by: java.io.IOException: Connection reset by peer (port {port})",
    "\t... {n} more",
];

#[rustfmt::skip]
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "oscar", "peggy", "trent", "victor", "walter", "admin", "svc-sync",
];
#[rustfmt::skip]
const HOSTS: &[&str] = &[
    "web-a1", "web-b2", "api-gw-1", "api-gw-2", "auth-1", "auth-2", "batch-7", "edge-fra", "edge-iad",
];
#[rustfmt::skip]
const THREADS: &[&str] = &[
    "main", "http-nio-8080-exec-3", "http-nio-8080-exec-17", "pool-2-thread-5", "scheduling-1",
    "ForkJoinPool.commonPool-worker-9", "reactor-http-epoll-2", "kafka-consumer-1",
];
#[rustfmt::skip]
const UAS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "curl/8.5.0",
    "okhttp/4.12.0",
    "Go-http-client/2.0",
    "kube-probe/1.29",
];
#[rustfmt::skip]
const PATHS: &[&str] = &[
    "/", "/index.html", "/api/v1/products", "/api/v1/cart", "/api/v2/orders", "/static/app.js",
    "/static/css/main.css", "/healthz", "/metrics", "/login", "/logout", "/account/settings",
    "/images/banner-2001.png", "/download/report-17002.pdf",
];
#[rustfmt::skip]
const METHODS: &[&str] = &["GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD"];
#[rustfmt::skip]
const SVCS: &[&str] = &["inventory", "pricing", "search", "billing", "notifier", "ledger"];
#[rustfmt::skip]
const CLASSES: &[&str] = &[
    "OrderService", "CartController", "PaymentGateway", "UserRepository", "AuthFilter",
    "RetryTemplate", "JsonMapper",
];
#[rustfmt::skip]
const OKTA_HOSTS: &[&str] = &[
    "dev-48213377.okta.com",
    "acme.okta.com",
    "globex.oktapreview.com",
    "initech.okta.com",
];
#[rustfmt::skip]
const IDAAS_HOSTS: &[&str] = &["xa7k2mq.aliyunidaas.com", "ciam-prod.aliyunidaas.com"];
#[rustfmt::skip]
const OAUTH_HOSTS: &[&str] = &[
    "login.example.com",
    "auth.contoso.io",
    "accounts.example.org",
    "sso.internal.example.net",
];
#[rustfmt::skip]
const AKAMAI_ARGS: &[&str] = &["email", "password", "client_id", "uuid", "attributes", "flow"];
#[rustfmt::skip]
const AKAMAI_SUB_ERRORS: &[&str] = &["too_many_attempts", "field_validation", "password_policy"];
#[rustfmt::skip]
const HTTP_STATUSES: &[u32] = &[
    200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 302, 304, 304, 400, 401, 403, 404, 404, 409,
    415, 422, 429, 500, 502, 503, 504,
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

// ---------------------------------------------------------------------------------------------
// Code tables that are not in the vendor documents.
// ---------------------------------------------------------------------------------------------

/// Akamai envelope whose name is the OAuth `invalid_request`: Akamai's hit, on the number.
#[rustfmt::skip]
const AKAMAI_INVALID_REQUEST: &[(&str, &str, &str)] = &[(
    "200",
    "invalid_request",
    "The request is missing a required parameter.",
)];

/// Generic OAuth 2.0 / OIDC names (RFC 6749, RFC 6750, OIDC Core) that the Okta and IDaaS
/// documents also list; the vendor-only ones (login_failed, user_deleted,
/// user_canceled_request, unauthorized_user, unsupported_response_mode, redirect_uri_mismatch)
/// are left to their vendors.
#[rustfmt::skip]
const OAUTH: &[(&str, &str)] = &[
    ("invalid_request", "The request is missing a required parameter."),
    ("invalid_client", "Client authentication failed."),
    ("invalid_grant", "The provided authorization grant is invalid, expired or revoked."),
    ("invalid_scope", "The requested scope is invalid, unknown, or malformed."),
    ("invalid_token", "The access token provided is expired, revoked or malformed."),
    ("unauthorized_client", "The client is not authorized to use this grant type."),
    ("unsupported_grant_type", "The authorization grant type is not supported."),
    ("unsupported_response_type", "The authorization server does not support this response type."),
    ("access_denied", "The resource owner denied the request."),
    ("server_error", "The authorization server encountered an unexpected condition."),
    ("temporarily_unavailable", "The authorization server is temporarily unavailable."),
    ("login_required", "The user is not signed in."),
];

/// Codes missing from the documents, in unmistakable contexts: reported as unknown.
#[rustfmt::skip]
const OKTA_UNKNOWN: &[(&str, &str, &str)] = &[
    ("E0000199", "400", "Unknown error."),
    ("E0000106", "403", "Request rejected."),
    ("E0000144", "400", "Request rejected."),
];
#[rustfmt::skip]
const WSO2_UNKNOWN: &[(&str, &str)] = &[("17009", "Unknown error."), ("20099", "Unknown error.")];
#[rustfmt::skip]
const AKAMAI_UNKNOWN: &[(&str, &str, &str)] = &[
    ("225", "flow_version_not_found", "The flow version does not exist."),
    ("370", "constraint_error", "A constraint was violated."),
];
#[rustfmt::skip]
const STORMPATH_UNKNOWN: &[(&str, &str)] = &[("2999", "Unknown error."), ("7199", "Unknown error.")];
#[rustfmt::skip]
const IDAAS_UNKNOWN: &[(&str, &str)] = &[
    ("Operation.Failure.User.NotFound", ""),
    ("Params.Blank.User.Nickname", ""),
];

// ---------------------------------------------------------------------------------------------
// Machinery.
// ---------------------------------------------------------------------------------------------

/// splitmix64: small, fast, good enough for test data, and fixed by `SEED`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    fn range(&mut self, lo: u64, hi_incl: u64) -> u64 {
        lo + self.below(hi_incl - lo + 1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// Placeholders.
#[derive(Clone, Copy, Debug)]
enum Ph {
    Iso,
    Log4j,
    Clf,
    Syslog,
    EpochMs,
    Ip,
    Uuid,
    Rid,
    Hex16,
    User,
    Host,
    Thread,
    Ua,
    Path,
    Method,
    Svc,
    Cls,
    Arg,
    Sub,
    OktaHost,
    IdaasHost,
    OauthHost,
    Status,
    Size,
    Port,
    Ms,
    Pid,
    Line,
    N,
    N3,
    N4,
    N5,
    Conf3,
    Conf4,
    Conf5,
    Code,
    Desc,
    DescUrl,
    Name,
    Gen,
    Http,
}

fn placeholder(name: &str) -> Option<Ph> {
    Some(match name {
        "iso" => Ph::Iso,
        "log4j" => Ph::Log4j,
        "clf" => Ph::Clf,
        "syslog" => Ph::Syslog,
        "epoch_ms" => Ph::EpochMs,
        "ip" => Ph::Ip,
        "uuid" => Ph::Uuid,
        "rid" => Ph::Rid,
        "hex16" => Ph::Hex16,
        "user" => Ph::User,
        "host" => Ph::Host,
        "thread" => Ph::Thread,
        "ua" => Ph::Ua,
        "path" => Ph::Path,
        "method" => Ph::Method,
        "svc" => Ph::Svc,
        "cls" => Ph::Cls,
        "arg" => Ph::Arg,
        "sub" => Ph::Sub,
        "okta_host" => Ph::OktaHost,
        "idaas_host" => Ph::IdaasHost,
        "oauth_host" => Ph::OauthHost,
        "status" => Ph::Status,
        "size" => Ph::Size,
        "port" => Ph::Port,
        "ms" => Ph::Ms,
        "pid" => Ph::Pid,
        "line" => Ph::Line,
        "n" => Ph::N,
        "n3" => Ph::N3,
        "n4" => Ph::N4,
        "n5" => Ph::N5,
        "conf3" => Ph::Conf3,
        "conf4" => Ph::Conf4,
        "conf5" => Ph::Conf5,
        "code" => Ph::Code,
        "desc" => Ph::Desc,
        "desc_url" => Ph::DescUrl,
        "name" => Ph::Name,
        "gen" => Ph::Gen,
        "http" => Ph::Http,
        _ => return None,
    })
}

enum Seg {
    Lit(&'static [u8]),
    Ph(Ph),
}

/// Splits a template into literal runs and placeholders; `{word}` must be a known placeholder.
fn compile(t: &'static str) -> Vec<Seg> {
    let b = t.as_bytes();
    let mut segs = Vec::new();
    let (mut lit, mut i) = (0, 0);
    while i < b.len() {
        if b[i] == b'{' {
            let mut j = i + 1;
            while j < b.len()
                && (b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'_')
            {
                j += 1;
            }
            if j > i + 1 && j < b.len() && b[j] == b'}' {
                let name = &t[i + 1..j];
                let ph = placeholder(name)
                    .unwrap_or_else(|| panic!("unknown placeholder {{{name}}} in: {t}"));
                if lit < i {
                    segs.push(Seg::Lit(&b[lit..i]));
                }
                segs.push(Seg::Ph(ph));
                i = j + 1;
                lit = i;
                continue;
            }
        }
        i += 1;
    }
    if lit < b.len() {
        segs.push(Seg::Lit(&b[lit..]));
    }
    segs
}

/// One code with what its lines show.
struct Entry {
    code: &'static str,
    desc: &'static str,
    /// Akamai: snake_case name; IDaaS: the generic `code` for this specific message.
    name: &'static str,
    /// HTTP status to show with it.
    http: &'static str,
}

struct Pool {
    vendor: &'static str,
    entries: Vec<Entry>,
    /// Pool of undocumented codes of the same vendor, used one time in `UNKNOWN_ONE_IN`.
    unknown: Option<usize>,
    counts: Vec<u64>,
}

fn entries2(t: &'static [(&'static str, &'static str)], http: &'static str) -> Vec<Entry> {
    t.iter()
        .map(|&(code, desc)| Entry {
            code,
            desc,
            name: "",
            http,
        })
        .collect()
}

fn idaas_generic(code: &str) -> &'static str {
    if code.starts_with("Params.Blank.") {
        "Params.Blank"
    } else if code.starts_with("Params.Illegal.") || code.starts_with("Operation.Params.Illegal.") {
        "Params.Illegal"
    } else if code.starts_with("Server.Access.Denied") {
        "Operation.Denied"
    } else {
        "Operation.Failure"
    }
}

fn idaas_entries(t: &'static [(&'static str, &'static str)]) -> Vec<Entry> {
    t.iter()
        .map(|&(code, desc)| Entry {
            code,
            desc,
            name: idaas_generic(code),
            http: "400",
        })
        .collect()
}

fn okta_entries(t: &'static [(&'static str, &'static str, &'static str)]) -> Vec<Entry> {
    t.iter()
        .map(|&(code, http, desc)| Entry {
            code,
            desc,
            name: "",
            http,
        })
        .collect()
}

fn akamai_entries(t: &'static [(&'static str, &'static str, &'static str)]) -> Vec<Entry> {
    t.iter()
        .map(|&(code, name, desc)| Entry {
            code,
            desc,
            name,
            http: "200",
        })
        .collect()
}

/// Pools indexed by `P as usize`, then the unknown-code pools.
fn build_pools() -> Vec<Pool> {
    let pool = |vendor, entries: Vec<Entry>, unknown| Pool {
        vendor,
        counts: vec![0; entries.len()],
        entries,
        unknown,
    };
    let first = P::Oauth as usize + 1;
    // Login redirects carry the authentication codes (17xxx).
    let login: Vec<Entry> = WSO2
        .iter()
        .filter(|e| e.0.starts_with("17"))
        .map(|&(code, desc)| Entry {
            code,
            desc,
            name: "",
            http: "302",
        })
        .collect();
    let mut pools = vec![
        pool("okta", okta_entries(OKTA), Some(first)),
        pool("okta", entries2(OKTA_OAUTH, "400"), None),
        pool("wso2", entries2(WSO2, "400"), Some(first + 1)),
        pool("wso2", login, None),
        pool("akamai", akamai_entries(AKAMAI), Some(first + 2)),
        pool("akamai", akamai_entries(AKAMAI_INVALID_REQUEST), None),
        pool("stormpath", entries2(STORMPATH, "400"), Some(first + 3)),
        pool("idaas", idaas_entries(IDAAS), Some(first + 4)),
        pool("idaas", entries2(IDAAS_OAUTH, "400"), None),
        pool("oauth", entries2(OAUTH, "400"), None),
    ];
    pools.push(pool("okta", okta_entries(OKTA_UNKNOWN), None));
    pools.push(pool("wso2", entries2(WSO2_UNKNOWN, "400"), None));
    pools.push(pool("akamai", akamai_entries(AKAMAI_UNKNOWN), None));
    pools.push(pool("stormpath", entries2(STORMPATH_UNKNOWN, "400"), None));
    pools.push(pool("idaas", idaas_entries(IDAAS_UNKNOWN), None));
    for p in [
        P::Okta,
        P::OktaOauth,
        P::Wso2,
        P::Wso2Login,
        P::Akamai,
        P::AkamaiInvalidRequest,
        P::Stormpath,
        P::Idaas,
        P::IdaasOauth,
        P::Oauth,
    ] {
        assert!(!pools[p as usize].entries.is_empty(), "{p:?}");
    }
    pools
}

/// Template indices repeated by weight, for O(1) weighted picks.
fn weighted(weights: impl Iterator<Item = u32>) -> Vec<u16> {
    let mut v = Vec::new();
    for (i, w) in weights.enumerate() {
        v.extend(std::iter::repeat_n(i as u16, w as usize));
    }
    v
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push_pad(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut x = v;
    for k in (0..width).rev() {
        buf[k] = b'0' + (x % 10) as u8;
        x /= 10;
    }
    out.extend_from_slice(&buf[..width]);
}

#[rustfmt::skip]
const HEX: &[u8; 16] = b"0123456789abcdef";
#[rustfmt::skip]
const ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Broken-down simulated time.
struct Tm {
    y: u64,
    mo: u64,
    d: u64,
    h: u64,
    mi: u64,
    s: u64,
    ms: u64,
}

fn tm(epoch_ms: u64) -> Tm {
    let secs = epoch_ms / 1000;
    let days = secs / 86_400;
    let sod = secs % 86_400;
    // Days to civil date (Howard Hinnant's algorithm), for dates after 1970.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(mo <= 2);
    Tm {
        y,
        mo,
        d,
        h: sod / 3600,
        mi: sod / 60 % 60,
        s: sod % 60,
        ms: epoch_ms % 1000,
    }
}

struct Gen {
    rng: Rng,
    now_ms: u64,
    t: Tm,
    conf3: Vec<&'static str>,
    conf4: Vec<&'static str>,
    conf5: Vec<&'static str>,
}

impl Gen {
    fn hms(&self, out: &mut Vec<u8>) {
        push_pad(out, self.t.h, 2);
        out.push(b':');
        push_pad(out, self.t.mi, 2);
        out.push(b':');
        push_pad(out, self.t.s, 2);
    }

    fn ymd(&self, out: &mut Vec<u8>) {
        push_u64(out, self.t.y);
        out.push(b'-');
        push_pad(out, self.t.mo, 2);
        out.push(b'-');
        push_pad(out, self.t.d, 2);
    }

    fn chars(&mut self, out: &mut Vec<u8>, alphabet: &[u8], n: usize) {
        let mut r = self.rng.next();
        for k in 0..n {
            if k % 10 == 9 {
                r = self.rng.next();
            }
            out.push(alphabet[(r % alphabet.len() as u64) as usize]);
            r >>= 6;
        }
    }

    /// A number that is sometimes a real vendor code, to make near misses.
    fn confusable(&mut self, out: &mut Vec<u8>, per_100: u64, lo: u64, hi: u64) {
        let r = self.rng.below(100);
        if r < per_100 {
            let c = if r % 2 == 0 {
                *self.rng.pick(&self.conf4)
            } else {
                *self.rng.pick(&self.conf5)
            };
            out.extend_from_slice(c.as_bytes());
        } else {
            let v = self.rng.range(lo, hi);
            push_u64(out, v);
        }
    }

    fn expand(&mut self, out: &mut Vec<u8>, segs: &[Seg], e: Option<&Entry>) {
        for seg in segs {
            let ph = match seg {
                Seg::Lit(s) => {
                    out.extend_from_slice(s);
                    continue;
                }
                Seg::Ph(ph) => *ph,
            };
            match ph {
                Ph::Iso => {
                    self.ymd(out);
                    out.push(b'T');
                    self.hms(out);
                    out.push(b'.');
                    push_pad(out, self.t.ms, 3);
                    out.push(b'Z');
                }
                Ph::Log4j => {
                    self.ymd(out);
                    out.push(b' ');
                    self.hms(out);
                    out.push(b',');
                    push_pad(out, self.t.ms, 3);
                }
                Ph::Clf => {
                    push_pad(out, self.t.d, 2);
                    out.push(b'/');
                    out.extend_from_slice(MONTHS[self.t.mo as usize - 1].as_bytes());
                    out.push(b'/');
                    push_u64(out, self.t.y);
                    out.push(b':');
                    self.hms(out);
                    out.extend_from_slice(b" +0000");
                }
                Ph::Syslog => {
                    out.extend_from_slice(MONTHS[self.t.mo as usize - 1].as_bytes());
                    out.push(b' ');
                    if self.t.d < 10 {
                        out.push(b' ');
                    }
                    push_u64(out, self.t.d);
                    out.push(b' ');
                    self.hms(out);
                }
                Ph::EpochMs => push_u64(out, self.now_ms),
                Ph::Ip => {
                    let r = self.rng.next();
                    out.extend_from_slice(if r & 1 == 0 { b"10." } else { b"192.168." });
                    if r & 1 == 0 {
                        push_u64(out, (r >> 8) % 256);
                        out.push(b'.');
                    }
                    push_u64(out, (r >> 16) % 256);
                    out.push(b'.');
                    push_u64(out, 1 + (r >> 24) % 254);
                }
                Ph::Uuid => {
                    for (k, n) in [8, 4, 4, 4, 12].into_iter().enumerate() {
                        if k > 0 {
                            out.push(b'-');
                        }
                        self.chars(out, HEX, n);
                    }
                }
                Ph::Rid => self.chars(out, ALNUM, 20),
                Ph::Hex16 => self.chars(out, HEX, 16),
                Ph::User => out.extend_from_slice(self.rng.pick(USERS).as_bytes()),
                Ph::Host => out.extend_from_slice(self.rng.pick(HOSTS).as_bytes()),
                Ph::Thread => out.extend_from_slice(self.rng.pick(THREADS).as_bytes()),
                Ph::Ua => out.extend_from_slice(self.rng.pick(UAS).as_bytes()),
                Ph::Path => out.extend_from_slice(self.rng.pick(PATHS).as_bytes()),
                Ph::Method => out.extend_from_slice(self.rng.pick(METHODS).as_bytes()),
                Ph::Svc => out.extend_from_slice(self.rng.pick(SVCS).as_bytes()),
                Ph::Cls => out.extend_from_slice(self.rng.pick(CLASSES).as_bytes()),
                Ph::Arg => out.extend_from_slice(self.rng.pick(AKAMAI_ARGS).as_bytes()),
                Ph::Sub => out.extend_from_slice(self.rng.pick(AKAMAI_SUB_ERRORS).as_bytes()),
                Ph::OktaHost => out.extend_from_slice(self.rng.pick(OKTA_HOSTS).as_bytes()),
                Ph::IdaasHost => out.extend_from_slice(self.rng.pick(IDAAS_HOSTS).as_bytes()),
                Ph::OauthHost => out.extend_from_slice(self.rng.pick(OAUTH_HOSTS).as_bytes()),
                Ph::Status => {
                    let s = *self.rng.pick(HTTP_STATUSES);
                    push_u64(out, s as u64);
                }
                Ph::Size => {
                    // Mostly small pages, some large bodies, a quarter real vendor codes.
                    let hi = if self.rng.below(4) == 0 {
                        99_999
                    } else {
                        9_999
                    };
                    self.confusable(out, 25, 0, hi);
                }
                Ph::Port => self.confusable(out, 20, 1024, 65_535),
                Ph::Ms => self.confusable(out, 15, 0, 4_999),
                Ph::Pid => self.confusable(out, 20, 100, 99_999),
                Ph::Line => {
                    if self.rng.below(5) == 0 {
                        let c = *self.rng.pick(&self.conf3);
                        out.extend_from_slice(c.as_bytes());
                    } else {
                        let v = self.rng.range(12, 2_100);
                        push_u64(out, v);
                    }
                }
                Ph::N => {
                    let v = self.rng.below(100);
                    push_u64(out, v);
                }
                Ph::N3 => {
                    let v = self.rng.range(100, 999);
                    push_u64(out, v);
                }
                Ph::N4 => {
                    let v = self.rng.range(1_000, 9_999);
                    push_u64(out, v);
                }
                Ph::N5 => {
                    let v = self.rng.range(10_000, 99_999);
                    push_u64(out, v);
                }
                Ph::Conf3 => {
                    let c = *self.rng.pick(&self.conf3);
                    out.extend_from_slice(c.as_bytes());
                }
                Ph::Conf4 => {
                    let c = *self.rng.pick(&self.conf4);
                    out.extend_from_slice(c.as_bytes());
                }
                Ph::Conf5 => {
                    let c = *self.rng.pick(&self.conf5);
                    out.extend_from_slice(c.as_bytes());
                }
                Ph::Code => out.extend_from_slice(entry(e, ph).code.as_bytes()),
                Ph::Desc => out.extend_from_slice(entry(e, ph).desc.as_bytes()),
                Ph::DescUrl => {
                    for &c in entry(e, ph).desc.as_bytes() {
                        if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'~') {
                            out.push(c);
                        } else if c == b' ' {
                            out.push(b'+');
                        } else {
                            out.extend_from_slice(&[
                                b'%',
                                HEX[(c >> 4) as usize],
                                HEX[(c & 15) as usize],
                            ]);
                        }
                    }
                }
                Ph::Name | Ph::Gen => out.extend_from_slice(entry(e, ph).name.as_bytes()),
                Ph::Http => out.extend_from_slice(entry(e, ph).http.as_bytes()),
            }
        }
        out.push(b'\n');
    }
}

fn entry(e: Option<&Entry>, ph: Ph) -> &Entry {
    e.unwrap_or_else(|| panic!("{{{ph:?}}} used in a noise template"))
}

/// Parses `123`, `100MB`, `1GiB`, `512k`, ...
fn parse_size(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = s[..digits].parse().ok()?;
    let mult = match s[digits..].to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult).filter(|&n| n > 0)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen_mixed_log SIZE_BYTES OUT_PATH [EXPECTED_CSV]\n\
         \n\
         Writes a deterministic mixed log of at least SIZE_BYTES bytes (suffixes K, M, G, KB, MB,\n\
         GB, KiB, MiB, GiB accepted) to OUT_PATH and, if given, the exact expected hits as CSV\n\
         (vendor,code,count) to EXPECTED_CSV.\n\
         example: cargo run --release --example gen_mixed_log -- 1GiB mixed-1GiB.log mixed-1GiB.expected.csv"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(2..=3).contains(&args.len()) || args.iter().any(|a| a.starts_with('-')) {
        return usage();
    }
    let Some(size) = parse_size(&args[0]) else {
        return usage();
    };
    match run(size, &args[1], args.get(2).map(String::as_str)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_mixed_log: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(size: u64, out_path: &str, expected: Option<&str>) -> std::io::Result<()> {
    let started = Instant::now();
    let mut pools = build_pools();
    let vendor: Vec<(usize, u8, Vec<Seg>)> = VENDOR_TEMPLATES
        .iter()
        .map(|&(p, _, frames, t)| (p as usize, frames, compile(t)))
        .collect();
    let vendor_pick = weighted(VENDOR_TEMPLATES.iter().map(|t| t.1));
    let noise: Vec<(u8, Vec<Seg>)> = NOISE_TEMPLATES
        .iter()
        .map(|&(_, frames, t)| (frames, compile(t)))
        .collect();
    let noise_pick = weighted(NOISE_TEMPLATES.iter().map(|t| t.0));
    let frames: Vec<Vec<Seg>> = FRAMES.iter().map(|t| compile(t)).collect();

    let mut g = Gen {
        rng: Rng(SEED),
        now_ms: START_MS,
        t: tm(START_MS),
        conf3: AKAMAI.iter().map(|e| e.0).collect(),
        conf4: STORMPATH
            .iter()
            .map(|e| e.0)
            .filter(|c| c.len() == 4)
            .collect(),
        conf5: WSO2
            .iter()
            .map(|e| e.0)
            .chain(STORMPATH.iter().map(|e| e.0).filter(|c| c.len() == 5))
            .collect(),
    };

    let mut file = File::create(out_path)?;
    let mut out: Vec<u8> = Vec::with_capacity(4 << 20);
    let (mut written, mut lines, mut vendor_lines, mut pending_frames) = (0u64, 0u64, 0u64, 0u64);
    while written + (out.len() as u64) < size {
        // The clock moves 0-39 ms a line, with an occasional quiet gap of up to 10 minutes.
        g.now_ms += if g.rng.below(2000) == 0 {
            g.rng.below(600_000)
        } else {
            g.rng.below(40)
        };
        g.t = tm(g.now_ms);
        if pending_frames > 0 {
            pending_frames -= 1;
            let f = g.rng.below(frames.len() as u64) as usize;
            g.expand(&mut out, &frames[f], None);
        } else if g.rng.below(1000) < VENDOR_PER_MILLE {
            let (mut p, nframes, ref segs) = vendor[*g.rng.pick(&vendor_pick) as usize];
            if let Some(u) = pools[p].unknown {
                if g.rng.below(UNKNOWN_ONE_IN) == 0 {
                    p = u;
                }
            }
            let i = g.rng.below(pools[p].entries.len() as u64) as usize;
            pools[p].counts[i] += 1;
            g.expand(&mut out, segs, Some(&pools[p].entries[i]));
            pending_frames = nframes as u64;
            vendor_lines += 1;
        } else {
            let (nframes, ref segs) = noise[*g.rng.pick(&noise_pick) as usize];
            g.expand(&mut out, segs, None);
            pending_frames = nframes as u64;
        }
        lines += 1;
        if out.len() >= 4 << 20 {
            file.write_all(&out)?;
            written += out.len() as u64;
            out.clear();
        }
    }
    file.write_all(&out)?;
    written += out.len() as u64;
    file.flush()?;
    drop(file);

    let mut hits: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for pool in &pools {
        for (e, &n) in pool.entries.iter().zip(&pool.counts) {
            if n > 0 {
                *hits.entry((pool.vendor, e.code)).or_default() += n;
            }
        }
    }
    if let Some(path) = expected {
        let mut csv = String::from("vendor,code,count\n");
        for ((v, c), n) in &hits {
            csv.push_str(&format!("{v},{c},{n}\n"));
        }
        std::fs::write(path, csv)?;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {written} bytes, {lines} lines to {out_path} in {secs:.2} s ({:.0} MB/s); \
         vendor lines {vendor_lines} ({:.2}%), {} distinct (vendor, code)",
        written as f64 / 1e6 / secs,
        100.0 * vendor_lines as f64 / lines as f64,
        hits.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Codes from tests/data/vendor-docs/, as documented (texts cut to their first sentence, quotes
// turned into apostrophes so they fit in JSON).
// ---------------------------------------------------------------------------------------------

/// Okta API errors (okta.txt): code, HTTP status, errorSummary.
#[rustfmt::skip]
const OKTA: &[(&str, &str, &str)] = &[
    ("E0000001", "400", "API validation failed for the current request."),
    ("E0000002", "400", "The request was not valid: {0}"),
    ("E0000003", "400", "The request body was not well-formed."),
    ("E0000004", "401", "Authentication failed"),
    ("E0000005", "403", "Invalid session"),
    ("E0000006", "403", "You do not have permission to perform the requested action"),
    ("E0000007", "404", "Not found: {0}"),
    ("E0000008", "404", "The requested path was not found"),
    ("E0000009", "500", "Internal Server Error"),
    ("E0000010", "503", "Service is in read only mode"),
    ("E0000011", "401", "Invalid token provided"),
    ("E0000012", "404", "Unsupported media type"),
    ("E0000013", "403", "Invalid client app id"),
    ("E0000014", "403", "Update of credentials failed"),
    ("E0000015", "401", "You do not have permission to access the feature you are requesting"),
    ("E0000016", "403", "Activation failed because the user is already active"),
    ("E0000017", "403", "Password reset failed"),
    ("E0000018", "400", "Bad request."),
    ("E0000019", "400", "Bad request."),
    ("E0000020", "400", "Bad request."),
    ("E0000021", "400", "Bad request."),
    ("E0000022", "405", "The endpoint does not support the provided HTTP method"),
    ("E0000023", "403", "Operation failed because user profile is mastered under another system"),
    ("E0000024", "400", "Bad request."),
    ("E0000025", "400", "App version assignment failed."),
    ("E0000026", "404", "This endpoint has been deprecated."),
    ("E0000027", "400", "Group push bad request : {0}"),
    ("E0000028", "400", "The request is missing a required parameter."),
    ("E0000029", "400", "Invalid paging request."),
    ("E0000030", "400", "Bad request."),
    ("E0000031", "400", "Invalid search criteria."),
    ("E0000032", "403", "Unlock is not allowed for this user."),
    ("E0000033", "400", "Bad request."),
    ("E0000034", "403", "Forgot password not allowed on specified user."),
    ("E0000035", "403", "Change password not allowed on specified user."),
    ("E0000036", "403", "Change recovery question not allowed on specified user."),
    ("E0000037", "400", "Type mismatch exception."),
    ("E0000038", "403", "This operation is not allowed in the user's current status."),
    ("E0000039", "403", "Operation on application settings failed."),
    ("E0000040", "400", "Application label must not be the same as an existing application label."),
    ("E0000041", "400", "Credentials should not be set on this resource based on the scheme."),
    ("E0000042", "403", "Setting the error page redirect URL failed."),
    ("E0000043", "403", "Self service application assignment is not enabled."),
    ("E0000044", "403", "Self service application assignment is not supported."),
    ("E0000045", "400", "Field mapping bad request."),
    ("E0000046", "403", "Deactivate application for user forbidden."),
    ("E0000047", "429", "API call exceeded rate limit due to too many requests."),
    ("E0000048", "404", "Entity not found exception."),
    ("E0000049", "500", "Invalid SCIM data from SCIM implementation."),
    ("E0000050", "400", "Invalid SCIM data from client."),
    ("E0000051", "500", "No response from SCIM implementation."),
    ("E0000052", "501", "Endpoint not implemented."),
    ("E0000053", "400", "Invalid SCIM filter."),
    ("E0000054", "400", "Invalid pagination properties."),
    ("E0000055", "409", "Duplicate group."),
    ("E0000056", "403", "Delete application forbidden."),
    ("E0000057", "403", "Access to this application is denied due to a policy."),
    ("E0000058", "403", "Access to this application requires MFA: {0}"),
    ("E0000059", "400", "The connector configuration could not be tested."),
    ("E0000060", "501", "Unsupported operation."),
    ("E0000061", "403", "Tab error: {0}"),
    ("E0000062", "409", "The specified user is already assigned to the application."),
    ("E0000063", "400", "Invalid combination of parameters specified."),
    ("E0000064", "401", "Password is expired and must be changed."),
    ("E0000065", "500", "Internal error processing app metadata."),
    ("E0000066", "400", "APNS is not configured, contact your admin"),
    ("E0000067", "504", "Factors Service Error."),
    ("E0000068", "403", "Invalid Passcode/Answer"),
    ("E0000069", "403", "User Locked"),
    ("E0000070", "202", "Waiting for ACK"),
    ("E0000071", "400", "Unsupported OS Version: {0}"),
    ("E0000072", "403", "MIM policy settings have disallowed enrollment for this user"),
    ("E0000073", "403", "User rejected authentication"),
    ("E0000074", "400", "Factor Service Error"),
    ("E0000075", "403", "Cannot modify the {0} attribute because it has a field mapping and profile push is"),
    ("E0000076", "405", "Cannot modify the app user because it is mastered by an external app."),
    ("E0000077", "403", "Cannot modify the {0} attribute because it is read-only."),
    ("E0000078", "403", "Cannot modify the {0} attribute because it is immutable."),
    ("E0000079", "403", "This operation is not allowed in the current authentication state."),
    ("E0000080", "403", "The password does not meet the complexity requirements of the current password policy."),
    ("E0000081", "403", "Cannot modify the {0} attribute because it is a reserved attribute for this application."),
    ("E0000082", "403", "Each code can only be used once."),
    ("E0000083", "403", "PassCode is valid but exceeded time window."),
    ("E0000084", "403", "App evaluation error."),
    ("E0000085", "403", "You do not have permission to access your account at this time."),
    ("E0000086", "403", "This policy cannot be activated at this time."),
    ("E0000087", "403", "The recovery question answer did not match our records."),
    ("E0000088", "400", "Org Creator API subdomain validation exception."),
    ("E0000089", "400", "Org Creator API name validation exception."),
    ("E0000090", "409", "The role specified is already assigned to the user."),
    ("E0000091", "405", "The provided role type was not the same as required role type."),
    ("E0000092", "403", "Access to this application requires re-authentication: {0}"),
    ("E0000093", "400", "Target count limit exceeded"),
    ("E0000094", "400", "The provided filter is unsupported."),
    ("E0000095", "403", "Recovery not allowed for unknown user."),
    ("E0000096", "409", "This certificate has already been uploaded with kid={0}."),
    ("E0000097", "403", "There is no verified phone number on file."),
    ("E0000098", "400", "This phone number is invalid."),
    ("E0000099", "403", "Only numbers located in US and Canada are allowed."),
    ("E0000100", "503", "Unable to perform search query."),
    ("E0000101", "400", "There was an issue with the app binary file you uploaded."),
    ("E0000102", "403", "YubiKey cannot be deleted while assigned to an user."),
    ("E0000103", "403", "Action on device already in queue or in progress"),
    ("E0000104", "403", "Device is already locked and cannot be locked again"),
    ("E0000105", "403", "You have accessed an account recovery link that has expired or been previously used."),
    ("E0000107", "403", "The entity is not in the expected state for the requested transition."),
    ("E0000108", "409", "OEM generic duplicate resource."),
    ("E0000109", "429", "An SMS message was recently sent."),
    ("E0000110", "403", "You have accessed a link that has expired or has been previously used."),
    ("E0000111", "403", "Cannot modify the {0} object because it is read-only."),
    ("E0000112", "409", "Cannot update this user because they are still being activated."),
    ("E0000113", "409", "Factor additional challenge exception"),
    ("E0000115", "503", "There was an issue while uploading the app binary file."),
    ("E0000116", "400", "Hosted mobile app upload exception"),
    ("E0000117", "403", "Cannot assign apps or update app profiles for an inactive user."),
    ("E0000118", "429", "An email was recently sent."),
    ("E0000119", "403", "Your account is locked."),
    ("E0000120", "400", "The custom domain requested is already in use by another organization."),
    ("E0000121", "400", "Invalid phone extension."),
    ("E0000122", "406", "Accept Header did not contain supported media type 'application/json'"),
    ("E0000123", "400", "Array specified in enum field must match const values specified in oneOf field."),
    ("E0000124", "400", "Could not create user."),
    ("E0000125", "400", "Could not create user."),
    ("E0000126", "400", "Self service is not supported with the current settings."),
    ("E0000127", "409", "Invalid linked objection definition."),
    ("E0000131", "400", "Feature validation exception"),
    ("E0000132", "400", "The registration is already active for the given user, client and device combination"),
    ("E0000133", "429", "A phone call was recently made."),
    ("E0000134", "502", "Okta could not communicate correctly with an inline hook."),
    ("E0000135", "400", "An inline hook responded with an error."),
    ("E0000136", "409", "Mobile phone conflict exception."),
    ("E0000137", "504", "Okta did not receive a response from an inline hook."),
    ("E0000138", "500", "There was an internal error with call provider(s)."),
    ("E0000139", "503", "Telephony provider error."),
    ("E0000140", "400", "Telephony opt out error."),
    ("E0000141", "400", "Feature cannot be enabled or disabled due to dependencies/dependents conflicts."),
    ("E0000142", "403", "This User Type cannot be deleted."),
    ("E0000143", "403", "App instance operation not allowed."),
    ("E0000145", "409", "Some users returned by the search cannot be parsed because the user schema has been"),
    ("E0000146", "429", "Your organization has reached the limit of sms requests that can be sent within a 24 hour"),
    ("E0000147", "429", "Your organization has reached the limit of call requests that can be sent within a 24"),
    ("E0000148", "403", "Cannot disable this authenticator because it is enabled in one or more policies."),
    ("E0000149", "406", "The HTTP request is not acceptable."),
    ("E0000150", "429", "You have reached the limit of sms requests, please try again later."),
    ("E0000151", "429", "You have reached the limit of call requests, please try again later."),
];
/// OpenID Connect / social login errors Okta passes to a redirect_uri (okta.txt).
#[rustfmt::skip]
const OKTA_OAUTH: &[(&str, &str)] = &[
    ("unauthorized_client", "The client isn't authorized to request an authorization code using this method."),
    ("access_denied", "The resource owner or authorization server denied the request."),
    ("unsupported_response_type", "The authorization server doesn't support obtaining an authorization code using this"),
    ("unsupported_response_mode", "The authorization server doesn't support the requested response mode."),
    ("invalid_scope", "The requested scope is invalid, unknown, or malformed."),
    ("server_error", "The authorization server encountered an unexpected condition that prevented it from"),
    ("temporarily_unavailable", "The authorization server is currently unable to handle the request due to a temporary"),
    ("invalid_client", "The specified client isn't valid."),
    ("login_required", "The client specified not to prompt, but the user isn't signed in."),
    ("invalid_request", "The request parameters aren't valid."),
    ("user_canceled_request", "User canceled the social sign-in request."),
];
/// WSO2 Identity Server codes (wso2-identity-server.md): code, description.
#[rustfmt::skip]
const WSO2: &[(&str, &str)] = &[
    ("17001", "The user does not exist."),
    ("17002", "Invalid credentials are provided."),
    ("17003", "The account is locked after multiple incorrect login attempts and the user attempts to"),
    ("17004", "The user account is disabled."),
    ("17005", "The user account is not confirmed."),
    ("17006", "The admin has forced user to reset password via an email link."),
    ("17007", "The admin has forced user to reset password via OTP."),
    ("17008", "OTP mismatch in admin forced password reset."),
    ("17010", "Invalid user credentials."),
    ("18001", "Invalid validation code."),
    ("18002", "The key/confirmation code provided has expired."),
    ("18003", "Invalid user (invalid username)."),
    ("18004", "Captcha answer is invalid."),
    ("18013", "Unexpected error."),
    ("18015", "Sending a recovery notification has failed."),
    ("18016", "Invalid tenant."),
    ("18017", "Challenge question not found."),
    ("20001", "Registry exception while getting challenge question."),
    ("20002", "Registry exception while setting challenge question."),
    ("20003", "Error when getting challenge question URIs."),
    ("20004", "Error while getting challenge question."),
    ("20005", "Error while setting challenge question."),
    ("20006", "Error while setting challenge question of user."),
    ("20007", "Error while hashing the security answer."),
    ("20008", "Invalid answer."),
    ("20009", "Invalid answer for security question."),
    ("20010", "Need to answer more security questions."),
    ("20011", "Error while triggering notifications for user."),
    ("20012", "Need to answer all requested security questions."),
    ("20013", "No valid username found for recovery."),
    ("20014", "No fields found for username recovery."),
    ("20015", "No valid user found."),
    ("20016", "Error loading recovery configurations."),
    ("20017", "Notification-based password recovery is not enabled."),
    ("20018", "Security-question based password recovery is not enabled."),
    ("20019", "Error adding self-sign up user."),
    ("20020", "Error while locking user."),
    ("20021", "Self sign up feature is disabled."),
    ("20022", "Error while locking user account."),
    ("20023", "Error while unlocking user."),
    ("20024", "Old confirmation code not found."),
    ("20025", "Failed to retrieve user realm from tenant ID."),
    ("20026", "Failed to retrieve user store manager."),
    ("20027", "Error occurred while retrieving user claims."),
    ("20028", "Error occurred while retrieving account lock connector configuration."),
    ("20029", "Multiple challenge questions not allowed for this operation."),
    ("20030", "Users already exist in the system, please use a different username."),
    ("20031", "Username recovery is not enabled."),
    ("20032", "Multiple users found."),
    ("20033", "Error loading sign up configurations."),
    ("20034", "Error occurred while updating user claims."),
    ("20035", "Password policy violation."),
    ("20036", "Provided confirmation code is not valid."),
    ("20037", "No confirmation code is provided for the user."),
    ("20038", "No recovery scenario is provided for the user."),
    ("20039", "No recovery step is provided for the user."),
    ("20040", "Notification type is not provided for the user."),
    ("20041", "Error while validating account lock status of the user."),
    ("20042", "Error while adding consent for the user."),
    ("22001", "This password has been used in the recent password history."),
    ("22002", "Error while loading history data source."),
    ("22003", "Error while validating password history."),
    ("22004", "Error while storing password history."),
    ("22005", "Error while removing password history from users."),
    ("40001", "Error occurred while loading password policies."),
    ("40002", "Error while validating password policy."),
    ("41001", "Scope name is not specified."),
    ("41002", "Scope display name is not specified."),
    ("41003", "Scope name is not found."),
    ("41004", "Scope with the name %s already exists in the system."),
    ("41005", "Scope is not specified."),
    ("51001", "Error occurred while registering scope."),
    ("51002", "Error occurred while retrieving all available scopes."),
    ("51003", "Error occurred while retrieving scope."),
    ("51004", "Error occurred while deleting scope."),
    ("51005", "Error occurred while updating scope."),
    ("51007", "Unexpected error."),
];
/// Akamai Identity Cloud codes (akamai-identity-cloud.txt): code, error name, description.
#[rustfmt::skip]
const AKAMAI: &[(&str, &str, &str)] = &[
    ("100", "missing_argument", "A required argument wasn't supplied."),
    ("200", "invalid_argument", "The argument was malformed or its value was invalid."),
    ("201", "duplicate_argument", "Two or more conflicting arguments were included in the same operation."),
    ("205", "invalid_auth_method", "The request used an invalid authentication method."),
    ("210", "invalid_credentials", "The supplied email address or password was incorrect."),
    ("211", "no_password", "The user tried to log in with an email address and password, but the account only"),
    ("212", "no_such_account", "The user tried to log in with an email address and password, but the email address"),
    ("213", "password_incorrect", "The user tried to log in with an email address and password."),
    ("214", "password_unacceptable", "Occurs when password history is enabled and you try to reuse a previously-used password."),
    ("221", "unknown_application", "The application ID doesn't exist."),
    ("222", "unknown_entity_type", "The entity type doesn't exist."),
    ("223", "unknown_attribute", "A specified attribute doesn't exist."),
    ("224", "application_not_found", "The application can't be found on the specified domain."),
    ("226", "flow_error", "The flow is misconfigured and needs to be updated."),
    ("232", "entity_type_exists", "You tried to create an identity type that already exists."),
    ("233", "attribute_exists", "You tried to create an attribute that already exists."),
    ("234", "reserved_attribute", "You attempted to modify a reserved attribute."),
    ("300", "error_creating_record", "An error occurred while creating a new record."),
    ("310", "record_not_found", "You referenced an entity or plural element that doesn't exist."),
    ("320", "id_in_new_record", "You tried to add an ID to a new entity or plural element."),
    ("330", "timestamp_mismatch", "The created"),
    ("340", "invalid_data_format", "A JSON value wasn't formatted correctly."),
    ("341", "invalid_json_type", "A value didn't match the expected JSON type."),
    ("342", "invalid_date_time", "A date or dateTime value wasn't valid."),
    ("352", "unknown_application", "Occurs if password history is enabled and you try to reuse a previously-used password."),
    ("360", "constraint_violation", "An attribute constraint was violated."),
    ("361", "unique_violation", "A unique"),
    ("362", "missing_required_attribute", "An attribute with the required"),
    ("363", "length_violation", "A string value violated an attribute’s length"),
    ("380", "email_address_in_use", "You tried to register a new user, but an existing user already has that email address."),
    ("390", "invalid_form_fields", "The data submitted did not pass form validation."),
    ("402", "invalid_client_credentials", "The client ID doesn't exist or the client secret is wrong."),
    ("403", "client_permission_error", "The client doesn't have permission to perform the action."),
    ("413", "no_access_grant", "The supplied authorization code is not valid because the user’s access grant has been"),
    ("414", "access_token_expired", "The supplied access token has expired."),
    ("415", "authorization_code_expired", "The supplied authorization code has expired."),
    ("416", "verification_code_expired", "The supplied verification code has expired."),
    ("417", "creation_token_expired", "The supplied creation token has expired."),
    ("420", "redirect_uri_mismatch", "The redirect URL is invalid."),
    ("480", "api_feature_disabled", "The operation has been temporarily disabled for maintenance, and should be available"),
    ("500", "unexpected_error", "An unexpected internal error occurred."),
    ("510", "api_limit_error", "Generated any time your request exceeds rate limits such as the allowed number of"),
    ("540", "triggered_error", "An error was triggered in the flow."),
];
/// Stormpath codes (stormpath.rst): code, message.
#[rustfmt::skip]
const STORMPATH: &[(&str, &str)] = &[
    ("1100", "The specified HTTP request method is not supported."),
    ("1101", "Bad request 'Content-Type'."),
    ("1900", "Subscription upgrade required."),
    ("1902", "Application limit reached."),
    ("1903", "The specified subscription level is not available for your active subscription plan."),
    ("1904", "In order to change your subscription, you need to add a payment method first."),
    ("1905", "You cannot lower the number of Applications for your subscription without first deleting"),
    ("1906", "You cannot add more than one credit card to your subscription."),
    ("1910", "Cannot send an email with the specified mime type on the developer tier."),
    ("2000", "The specified property value is required; it cannot be null, empty, or blank."),
    ("2001", "The specified property value already exists."),
    ("2002", "The specified property value is invalid."),
    ("2003", "The specified property value is unsupported."),
    ("2004", "The specified property value is an invalid type."),
    ("2005", "The specified property value uses an invalid character encoding."),
    ("2006", "The specified property is in an invalid format."),
    ("2007", "The specified property value's minimum length is not satisfied."),
    ("2008", "The specified property value exceeded the maximum allowed length."),
    ("2009", "The specified property's minimum value is not satisfied."),
    ("2010", "The specified property exceeded the maximum allowed value."),
    ("2011", "The specified property's minimum date/time is not satisfied."),
    ("2012", "The specified property's maximum date/time is exceeded."),
    ("2013", "The specified property's value is not within range."),
    ("2014", "The specified property value is an invalid reference."),
    ("2015", "Unknown property."),
    ("2016", "Property value does not match a known Stormpath resource."),
    ("2017", "The specified property is unsupported."),
    ("2020", "The specified resource reference is invalid: the specified resource does not exist."),
    ("2021", "The specified resource reference is invalid: the resource's status is such that it may"),
    ("2022", "The specified resource reference is invalid: the specified Account Store is not a SAML"),
    ("2100", "Malformed query."),
    ("2101", "The specified query parameter must have a corresponding value."),
    ("2102", "The specified query parameter can only have a single value."),
    ("2103", "The specified query parameter value is invalid or an unexpected type."),
    ("2104", "The orderBy query value contains an invalid order statement."),
    ("2105", "The specified query value is not supported."),
    ("2106", "The specified orderBy value is not supported."),
    ("2107", "The specified reference does not support expansion."),
    ("2108", "Invalid range specified: end value should be greater than start value."),
    ("3000", "Property names cannot be null, empty or blank."),
    ("3001", "Property name is invalid."),
    ("3002", "Property name is invalid."),
    ("3003", "Property names may not equal any of the following reserved names: href, createdAt,"),
    ("3004", "Property value exceeds maximum size."),
    ("4001", "Your Stormpath Tenant owner Account cannot be deleted."),
    ("4002", "Your Stormpath Tenant owner Account’s status cannot be modified."),
    ("4520", "The specified Directory name is already in use by another Directory and cannot be used to"),
    ("4600", "This Organization does not have a default storage location configured for newly created"),
    ("4601", "This Organization's default Account Store for new Accounts is disabled."),
    ("4602", "No default Account Store has been mapped to this Organization for newly created Groups."),
    ("4603", "This Organization's default Account Store for new Groups is disabled."),
    ("4604", "The specified Account Store is already mapped to the Organization."),
    ("4605", "Login attempt failed because the Organization does not have any assigned Account Stores."),
    ("4606", "The specified Directory is a read-only mirror of an externally managed directory."),
    ("4608", "The specified Group is a read-only mirror of an externally-managed Group."),
    ("4610", "The specified Directory is a read-only mirror of an externally managed Directory."),
    ("4612", "Specifying a Group as a default Group Store is not currently supported."),
    ("4700", "A Directory of the specified type is already mapped to this Organization."),
    ("5010", "User Message"),
    ("5100", "This Application does not have a default Account Store for newly created Accounts."),
    ("5101", "This Application's default Account Store for new Accounts is disabled - new Accounts"),
    ("5102", "This Application does not have a default Account Store for newly created Groups."),
    ("5103", "This Application's default Account Store for new Groups is disabled - new Groups cannot"),
    ("5104", "The specified Account Store is already mapped to that Application."),
    ("5105", "Login attempt failed because the Application is not assigned any Account Stores."),
    ("5106", "The specified Directory Account Store is a read-only mirror of an externally-managed"),
    ("5108", "The specified Group Account store is a read-only mirror of an externally-managed Group."),
    ("5110", "The specified Directory Account Store is a read-only mirror of an externally managed"),
    ("5112", "Specifying a Group as a default Group Store is not currently supported."),
    ("5114", "The specified Account Store is not one of the Application's assigned Account Stores."),
    ("5116", "This Application's default Account Store for new Accounts is an Organization, but this"),
    ("5117", "This Application's default Account Store for new Accounts is is an Organization, but the"),
    ("5118", "This Application's default Account Store for new Groups is an Organization, but this"),
    ("5119", "This Application's default Account Store for new Groups is is an Organization, but the"),
    ("5120", "The specified Application does not have an authorizedCallbackUri and can not be used in a"),
    ("5121", "The specified callbackUri is not configured as an authorizedCallbackUri for the"),
    ("5122", "The specified Application does not have a default authorizedCallbackUri (a non-wildcard"),
    ("5200", "A Directory of the specified type is already mapped to this Application."),
    ("6100", "This externally-managed Directory does not allow creation of new Accounts or Groups."),
    ("6101", "The Account's Directory does not have a verification email workflow enabled."),
    ("6201", "This Directory cannot be converted to a Mirror Directory."),
    ("6202", "The specified Directory cannot be updated to reflect a different identity provider."),
    ("6203", "Stormpath was not able to complete the request to LinkedIn."),
    ("7100", "Login attempt failed because the specified password is incorrect."),
    ("7101", "Login attempt failed because the Account is disabled."),
    ("7102", "Login attempt failed because the Account is not verified."),
    ("7103", "Login attempt failed because the Account is locked."),
    ("7104", "Login attempt failed because there is no Account in the Application’s associated Account"),
    ("7105", "Login attempt failed because the Account is in a Group that is disabled."),
    ("7106", "Login attempt failed because the Account is in a Directory that is disabled."),
    ("7107", "Login attempt failed because the Account is in an Organization that is disabled."),
    ("7200", "Stormpath was not able to complete the request to the Social Login site: this can be"),
    ("7201", "Stormpath is unable to create or update the Account because the Social Login site"),
    ("7202", "This property is a read-only property on a externally managed Directory Account, and"),
    ("7205", "Cannot create the Account because the email matches the Directory's emailDomainBlacklist"),
    ("7206", "Cannot create the Account because the email domain does not match the Directory's"),
    ("7301", "The email body must contain at least one of the following placeholders: $!{url},"),
    ("7500", "These Accounts are already linked."),
    ("7501", "An Account Link can only be created between 2 different Accounts."),
    ("7502", "Bad Request."),
    ("7503", "Only x Account Links allowed per Account."),
    ("7504", "Cannot link Account ____ and Account ____ because they are in the same Directory."),
    ("7505", "Account ____ is already linked to an Account in Directory ____."),
    ("9000", "Stormpath, while acting as a gateway/proxy to your directory service, was not able to"),
    ("9001", "Stormpath, while acting as a gateway/proxy to your directory service, was not able to"),
    ("9002", "Stormpath, while acting as a gateway/proxy to your directory service, did not receive a"),
    ("9003", "Stormpath, while acting as a gateway/proxy to your directory server, did not receive a"),
    ("9004", "Stormpath, while acting as a gateway/proxy to your directory service, received an invalid"),
    ("9005", "Stormpath, while acting as a gateway/proxy to your directory service, received an invalid"),
    ("9006", "Stormpath, while acting as a gateway/proxy to your Active Directory server, encountered a"),
    ("10010", "Token is no longer valid because the Account is not enabled."),
    ("10011", "Token is no longer valid because it has expired."),
    ("10012", "Token is invalid because the issued at time (iat) is after the current time."),
    ("10013", "This can occur if the token has been manually deleted, or if the token has expired and"),
    ("10014", "Token is invalid because the issuer of the token does not match the Application"),
    ("10015", "Token is no longer valid because the Application that issued the token is not enabled."),
    ("10016", "Token is no longer valid because the Account is not in an Account Store mapped to the"),
    ("10017", "User Message"),
    ("10100", "The SAML Response object is malformed or cannot be used by Stormpath."),
    ("10101", "The SAML Response has an invalid signature and cannot be trusted."),
    ("10102", "Authentication failed at the SAML Identity Provider, please check the SAML Identity"),
    ("11001", "Token is invalid because the specified Organization nameKey does not exist in your"),
    ("11002", "Token is invalid because the specified Organization is disabled."),
    ("11003", "Token is invalid because the specified Organization is not one of the Application’s"),
    ("11004", "Token is invalid because the specified claim value cannot be null or empty."),
    ("11005", "Token is invalid because a token with the same identifier (jti) has been already used."),
    ("12001", "The session on ID Site has timed out."),
    ("12002", "The ID Site token that was submitted was not authenticated by ID Site."),
    ("13000", "Unable to connect to an SMTP server located at the address and port provided."),
    ("13001", "Unable to authenticate to an SMTP server with the username and password provided."),
    ("13002", "Unable to connect to an SMTP server using the security protocol provided."),
    ("13003", "You cannot create a new email server because one already exists for your Tenant."),
    ("13100", "Verified phone numbers cannot be modified."),
    ("13101", "The provided phone number is invalid."),
    ("13102", "An existing phone with that number already exists for this Account."),
    ("13103", "The challenge message must include '${code}'."),
    ("13104", "The code submitted is not valid."),
    ("13105", "An existing phone with that number is already associated with a factor for that Account."),
    ("13106", "An unexpected error occurred generating a Multi-Factor Authentication code."),
    ("13107", "An unexpected error occurred validating the Multi-Factor Authentication code."),
    ("13108", "The submitted code is no longer valid."),
    ("13109", "Factor is disabled."),
    ("13110", "Phone is disabled."),
    ("13111", "The provided phone number does not match the number associated with the Phone reference."),
    ("13112", "The specified challenge can no longer be used for validation."),
    ("13113", "You have exceeded the maximum number of failed codes for this Challenge."),
];
/// Alibaba Cloud IDaaS error messages (alibaba-cloud-idaas.txt): the specific code, description.
#[rustfmt::skip]
const IDAAS: &[(&str, &str)] = &[
    ("Server.Access.Denied.Token.Expire", "Access denied. The token has expired."),
    ("Operation.Failure.RemoteServerCommonError", "The operation failed. A dependent service returned an error."),
    ("Operation.Failure.ResourceAlreadyExist", "The operation failed. The resource already exists."),
    ("Operation.Failure.UnknownError", "The operation failed. An unknown error occurred."),
    ("Operation.Failure.Unsupported", "The operation is not supported."),
    ("Operation.Failure.ServerIntener.Error", "The operation failed. An internal error occurred."),
    ("Operation.Failure.Service.Internal.Error", "An internal error occurred."),
    ("Server.Access.Denied", "Access denied. The user does not have permission."),
    ("Operation.Failure.IP.Access.Invalid", "The IP address is unreachable."),
    ("Operation.Failure.AuthenticateInformation.Disable", "The authentication source is disabled."),
    ("Operation.Failure.AuthenticateInformation.Not.Found", "The authentication source does not exist."),
    ("Operation.Failure.Captcha.Error", "The CAPTCHA code is invalid."),
    ("Operation.Failure.Captcha.Invalid", "The CAPTCHA code is invalid or does not exist."),
    ("Operation.Failure.Change.User.Type", "Failed to change the user type."),
    ("Operation.Failure.Email.Code.Error", "The SMS or email verification code is invalid."),
    ("Operation.Failure.Email.Code.Not.Find", "The SMS or email verification code was not found. Resend the verification code."),
    ("Operation.Failure.Email.Code.Too.Frequency", "Too many verification attempts. Resend the verification code."),
    ("Operation.Failure.Email.Not.Exist", "Two-factor authentication failed. The specified email address does not exist."),
    ("Operation.Failure.Email.Not.Same", "The submitted email address does not match the address used to send the verification code."),
    ("Operation.Failure.FId.Not.Found", "The file ID is invalid or the process has expired."),
    ("Operation.Failure.File.Size.Exceeds.Limit", "The uploaded file exceeds the size limit."),
    ("Operation.Failure.Gesture.Error", "The gesture trajectory is invalid."),
    ("Operation.Failure.Gesture.Sign.Error", "The gesture trajectory is invalid."),
    ("Operation.Failure.Invalid.AccessToken", "The access token is invalid."),
    ("Operation.Failure.Invalid.Id_Token", "The ID token is invalid."),
    ("Operation.Failure.Mini.Program.Phone", "The mobile phone number for WeChat mini program logon could not be retrieved. The"),
    ("Operation.Failure.Mini.Program.Silent.Login", "Silent logon to the WeChat mini program failed."),
    ("Operation.Failure.Mini.Program.Userinfo", "WeChat mini program user information could not be retrieved. The EncryptedData parameter"),
    ("Operation.Failure.Oauth.Client.Not.Available", "The client ID is invalid or the application is unavailable."),
    ("Operation.Failure.Password.Has.Initialized", "The password has already been initialized and cannot be re-initialized."),
    ("Operation.Failure.PhoneNumber.Not.Same", "The submitted mobile phone number does not match the number used to send the verification"),
    ("Operation.Failure.Public.Key.Not.Exist", "The public key for the ID token does not exist."),
    ("Operation.Failure.Send.Email.Fail", "Failed to send the email."),
    ("Operation.Failure.Send.Email.Too.Frequency", "Too many email send attempts."),
    ("Operation.Failure.Send.SMS.Fail", "Failed to send the SMS message."),
    ("Operation.Failure.Send.SMS.Too.Frequency", "Too many SMS send attempts."),
    ("Operation.Failure.SMS.Code.Error", "The SMS or email verification code is invalid. Re-enter the verification code."),
    ("Operation.Failure.SMS.Code.Not.Find", "The SMS or email verification code was not found. Resend the verification code."),
    ("Operation.Failure.SMS.Code.Too.Frequency", "Too many verification attempts. Resend the verification code."),
    ("Operation.Failure.Social.Code.Expired", "Social logon failed. The third-party code is invalid."),
    ("Operation.Failure.Social.Login", "Social logon failed."),
    ("Operation.Failure.Social.User.Auth.Error", "Failed to authorize the third-party user."),
    ("Operation.Failure.Social.User.Not.Bind", "No binding relationship exists for this social logon."),
    ("Operation.Failure.SSO.Cannot.Get.Code", "Failed to retrieve the single sign-on (SSO) code."),
    ("Operation.Failure.Unsupported.2fa.Type", "This two-factor authentication (2FA) operation is not supported."),
    ("Operation.Failure.Unsupported.Dict.InUse", "Extended attributes are in use and cannot be modified or deleted."),
    ("Operation.Failure.Unsupported.File.Type", "The uploaded file type is not supported."),
    ("Operation.Failure.Unsupported.Ignore.Complete", "The account completion flow cannot be skipped."),
    ("Operation.Failure.Unsupported.Social.Platform", "This third-party social platform is not supported."),
    ("Operation.Failure.Unsupported.UserType.InUse", "The user type is in use and cannot be modified or deleted."),
    ("Operation.Failure.Update.Device.Status", "Failed to update the device status."),
    ("Operation.Failure.User.Archived", "The user is deleted."),
    ("Operation.Failure.User.Disabled", "The user is disabled."),
    ("Operation.Failure.User.Email.Equal.Original", "The new email address is the same as the current email address."),
    ("Operation.Failure.User.Locked", "The user is locked."),
    ("Operation.Failure.User.Locked.And.Password.Error", "The account is locked due to too many failed password attempts."),
    ("Operation.Failure.User.Not.Bind.Gesture", "No gesture is bound to this account."),
    ("Operation.Failure.User.Not.Exist", "The user does not exist."),
    ("Operation.Failure.User.Password.Error", "The password is incorrect."),
    ("Operation.Failure.User.PhoneNumber.Equal.Original", "The new mobile phone number is the same as the current mobile phone number."),
    ("Operation.Failure.Username.Or.Password.Error", "The account or password is invalid."),
    ("Operation.Params.Illegal.DeviceId", "The device ID does not exist."),
    ("Params.Blank.ApplicationExternalId", "Security authentication failed. The external ID is not specified."),
    ("Params.Blank.Authentication.Id", "The authentication source ID is not specified."),
    ("Params.Blank.CaptchaCode", "The CAPTCHA UUID is not specified."),
    ("Params.Blank.CaptchaText", "The CAPTCHA code is not specified."),
    ("Params.Blank.Code", "The verification code is not specified."),
    ("Params.Blank.Device.DeviceId", "The device ID is not specified."),
    ("Params.Blank.Dictionary.Uuid", "The extension field UUID is not specified."),
    ("Params.Blank.Dictionary.Value.Uuid", "The extension field value UUID is not specified."),
    ("Params.Blank.FId", "The file ID is not specified."),
    ("Params.Blank.Gesture.Sign", "Gesture logon failed. The gesture code is not specified."),
    ("Params.Blank.Idaas.AppId", "The IDaaS application ID is not specified."),
    ("Params.Blank.Id_Token", "The ID token is not specified."),
    ("Params.Blank.Mini.Program.LoginCode", "The WeChat mini program temporary logon code is not specified."),
    ("Params.Blank.Mini.Program.Phone", "The SSO parameter phoneNumberCode, phoneNumberEncryptedData, or phoneNumberIv for the"),
    ("Params.Blank.Mini.Program.Userinfo", "The EncryptedData or Iv parameter for WeChat mini program logon is not specified."),
    ("Params.Blank.MobileExtendParamsJson", "A required biometric authentication parameter is not specified."),
    ("Params.Blank.MobileExtendParamsJsonSign", "A required biometric authentication parameter is not specified."),
    ("Params.Blank.Social.Callback.Code", "The code returned by the third-party provider is not specified for social logon."),
    ("Params.Blank.Type", "The type is required when sending a verification code. Valid values: SMS, EMAIL."),
    ("Params.Blank.Upload.File", "The file is empty or the file name is not specified."),
    ("Params.Blank.User.Address", "A detailed address is required."),
    ("Params.Blank.User.Birthday", "Birthday is required."),
    ("Params.Blank.User.City", "City is required."),
    ("Params.Blank.User.Country", "Country is required."),
    ("Params.Blank.User.DisplayName", "A display name is required."),
    ("Params.Blank.User.Email", "An email address is required."),
    ("Params.Blank.User.EnDisplayName", "An English display name is required."),
    ("Params.Blank.User.Extension.AttrValue", "A value for the extended attribute is required."),
    ("Params.Blank.User.ExternalId", "An external ID is required."),
    ("Params.Blank.User.Gender", "Gender is required."),
    ("Params.Blank.User.Password", "A password is required."),
    ("Params.Blank.User.Phone.Number", "A mobile phone number is required."),
    ("Params.Blank.User.Province", "Province is required."),
    ("Params.Blank.User.Region", "Region is required."),
    ("Params.Blank.User.Street", "Street information is required."),
    ("Params.Blank.User.Username", "A username is required."),
    ("Params.Blank.User.Uuid", "The user UUID is required."),
    ("Params.Blank.UserType.Code", "The user type code is required."),
    ("Params.Blank.UserType.Name", "The user type name is required."),
    ("Params.Blank.UserType.Uuid", "The user type UUID is required."),
    ("Params.Blank.OauthClient.Client_Id", "The client ID is not specified."),
    ("Params.Blank.OauthClient.Grant_Type", "Grant_Type is not specified."),
    ("Params.Blank.OauthClient.Grant_Secret", "The client secret is not specified."),
    ("Params.Blank.AuthenticateInformation.EnterpriseAuthId", "The authentication source ID is not specified."),
    ("Params.Exist.SocialUser.SocialId", "The social ID already exists."),
    ("Params.Exist.User.Email", "The email address already exists."),
    ("Params.Exist.User.ExternalId", "The external ID already exists."),
    ("Params.Exist.User.Phone.Number", "The mobile phone number already exists."),
    ("Params.Exist.User.Username", "The username already exists."),
    ("Params.Exist.UserType", "The user type already exists."),
    ("Params.Exist.UserType.Code", "The user type code already exists."),
    ("Params.Exist.UserType.Name", "The user type name already exists."),
    ("Params.Illegal.Consent", "A required consent for logon has not been agreed to."),
    ("Params.Illegal.Dictionary.Uuid", "The extended field UUID is invalid."),
    ("Params.Illegal.Dictionary.Value", "The extended field value is invalid."),
    ("Params.Illegal.Dictionary.Value.Uuid", "The extended field value UUID is invalid."),
    ("Params.Illegal.Group.ExternalId", "The group external ID is invalid."),
    ("Params.Illegal.Group.Name", "The group name is invalid."),
    ("Params.Illegal.Group.Uuid", "The group UUID is invalid."),
    ("Params.Illegal.Type", "The type value is not supported for sending verification codes."),
    ("Params.Illegal.User.DisplayName", "The display name is invalid."),
    ("Params.Illegal.User.Email", "The email address is invalid."),
    ("Params.Illegal.User.Extension.AttrValue", "The extended attribute value is outside the allowed range."),
    ("Params.Illegal.User.Password", "The password does not meet the password policy requirements."),
    ("Params.Illegal.User.Password.Policy", "The password does not meet the password policy requirements."),
    ("Params.Illegal.User.Password.Same.Old", "The new password is the same as the current password."),
    ("Params.Illegal.User.Phone.Number", "The mobile phone number already exists."),
    ("Params.Illegal.User.Username", "The username already exists."),
    ("Params.Illegal.User.Username.Policy", "The username does not meet the naming policy requirements."),
    ("Params.Illegal.User.UserType", "The user type does not exist when querying by user type."),
    ("Params.Illegal.User.Uuid", "The user UUID is invalid."),
    ("Params.Illegal.Username.Equal.Phone", "A username cannot be a mobile phone number."),
    ("Params.Illegal.OauthClient.Client_Id", "The client ID is invalid."),
    ("Params.Illegal.OauthClient.Client_Secret", "The client secret is invalid."),
    ("Params.Illegal.OauthClient.Grant_Type", "The Grant_Type value is invalid."),
    ("Params.Illegal.AuthenticateInformation.EnterpriseAuthId", "The authentication source ID is invalid."),
];
/// Alibaba Cloud IDaaS OAuth error codes (alibaba-cloud-idaas.txt).
#[rustfmt::skip]
const IDAAS_OAUTH: &[(&str, &str)] = &[
    ("invalid_request", "A required parameter is missing, not specified, or in an invalid format."),
    ("invalid_client", "The application does not exist or is in an abnormal state."),
    ("invalid_grant", "The authorization credentials are invalid, expired, or revoked. Alternatively, the"),
    ("invalid_scope", "The requested scope is invalid or unknown."),
    ("invalid_token", "The token is invalid."),
    ("unauthorized_client", "The client is not authorized to make this request."),
    ("unauthorized_user", "You do not have permission to access this resource."),
    ("unsupported_grant_type", "The authorization server does not support this grant type."),
    ("unsupported_response_type", "The authorization server does not support this response type."),
    ("access_denied", "The authorization server rejected the request. The token may be invalid."),
    ("redirect_uri_mismatch", "The redirect_uri value is invalid."),
    ("login_failed", "The user ID or password is invalid."),
    ("user_deleted", "The user is invalid."),
    ("server_error", "An internal error occurred on the authorization server."),
];
