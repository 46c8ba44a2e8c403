//! The HTTP endpoint of `errscan watch`: `/metrics` in the format the scraper asks for, a
//! short index page at `/`, 404 elsewhere. One thread answers; a scrape only holds the
//! counters' lock while they are rendered.

use std::net::SocketAddr;
use std::sync::Mutex;

use super::metrics::{Exposition, Metrics};
use super::WatchError;
use crate::catalog::Catalog;

/// A bound HTTP server, not yet answering.
pub struct MetricsServer {
    server: tiny_http::Server,
    addr: SocketAddr,
}

impl MetricsServer {
    /// Binds `addr` (and only it).
    ///
    /// # Errors
    /// [`WatchError::Listen`] naming the address when it cannot be bound (in use, not an
    /// address of this host, not allowed).
    pub fn bind(addr: SocketAddr) -> Result<MetricsServer, WatchError> {
        let server = tiny_http::Server::http(addr).map_err(|e| WatchError::Listen {
            addr,
            message: e.to_string(),
        })?;
        let addr = server.server_addr().to_ip().unwrap_or(addr);
        Ok(MetricsServer { server, addr })
    }

    /// The address bound (with the port chosen by the system when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes [`MetricsServer::serve`] return.
    pub fn stop(&self) {
        self.server.unblock();
    }

    /// Answers requests until [`MetricsServer::stop`] is called, calling `before_scrape`
    /// before each `/metrics` is rendered.
    pub fn serve(&self, metrics: &Mutex<Metrics>, catalog: &Catalog, before_scrape: &dyn Fn()) {
        while let Ok(request) = self.server.recv() {
            let accept = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Accept"))
                .map(|h| h.value.as_str().to_string());
            let (status, body, content_type) = match request.url().split('?').next() {
                Some("/metrics") => {
                    let format = Exposition::from_accept(accept.as_deref());
                    before_scrape();
                    let body = match metrics.lock() {
                        Ok(m) => m.render(catalog, format),
                        Err(poisoned) => poisoned.into_inner().render(catalog, format),
                    };
                    (200, body, format.content_type())
                }
                Some("/") => (
                    200,
                    "<html><head><title>errscan watch</title></head><body><h1>errscan watch</h1>\
                     <p><a href=\"/metrics\">Metrics</a></p></body></html>\n"
                        .to_string(),
                    "text/html; charset=utf-8",
                ),
                _ => (404, "not found\n".to_string(), "text/plain; charset=utf-8"),
            };
            let header = tiny_http::Header::from_bytes("Content-Type", content_type);
            let mut response = tiny_http::Response::from_string(body).with_status_code(status);
            if let Ok(h) = header {
                response = response.with_header(h);
            }
            // A scraper that hung up is not our problem; the next scrape gets a fresh answer.
            let _ = request.respond(response);
        }
    }
}
