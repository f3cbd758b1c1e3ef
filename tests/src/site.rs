//! Serves the real pages of the corpus and Hark's own test pages over HTTP on the test's address.

use std::net::SocketAddr;

use axum::{http::HeaderValue, Router};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

pub struct Site {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Site {
    /// `/corpus/...` = the corpus of real pages (`tests/corpus/`); `/t/...` = tests/pages; `/ext/...` = the built extension; `/strict/...` = tests/pages served
    /// with a CSP that forbids everything but the page's own files and a Permissions-Policy that
    /// forbids the microphone (the kind of page Hark must still work on).
    pub async fn start(ip: &str) -> anyhow::Result<Site> {
        let pages = crate::repo_root().join("tests/pages");
        let strict = Router::new()
            .fallback_service(ServeDir::new(&pages))
            .layer(SetResponseHeaderLayer::overriding(
                axum::http::header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'",
                ),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                axum::http::HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("microphone=(), camera=()"),
            ));
        let app = Router::new()
            .nest_service("/corpus", ServeDir::new(crate::corpus_dir()))
            .nest_service("/t", ServeDir::new(&pages))
            // The extension's own files, for the page-script unit cases (tests/pages/units.html).
            .nest_service("/ext", ServeDir::new(crate::extension_dir()))
            .nest("/strict", strict);
        let listener = tokio::net::TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Site { addr, task })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// Another origin that records every request it gets: where a page would send the person's data.
pub struct Collector {
    pub addr: SocketAddr,
    hits: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Collector {
    pub async fn start(ip: &str) -> anyhow::Result<Collector> {
        let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = hits.clone();
        let app = Router::new().fallback(move |req: axum::extract::Request| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(format!("{} {}", req.method(), req.uri()));
                "received"
            }
        });
        let listener = tokio::net::TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Collector { addr, hits, task })
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, as "METHOD /path?query".
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }

    /// The requests so far but the browser's own favicon fetch, once at least one has come (none
    /// within `within`: empty).
    pub async fn requests_within(&self, within: std::time::Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let got: Vec<String> = self.hits().into_iter().filter(|h| !h.starts_with("GET /favicon.ico")).collect();
            if !got.is_empty() || std::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.task.abort();
    }
}
