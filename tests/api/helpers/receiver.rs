//! A real HTTP server on 127.0.0.1 that receives webhook deliveries, as an
//! agency's CRM would: it records each request and answers with the
//! statuses (and after the delays) the test asks for.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    /// Statuses to answer, in order; 200 once they run out. A 3xx points
    /// to `/followed` on this receiver.
    answers: VecDeque<u16>,
    /// How long to wait before answering, in order; at once after them.
    delays: VecDeque<Duration>,
}

/// The receiver, serving until dropped.
pub struct Receiver {
    pub url: String,
    pub port: u16,
    log: Arc<Mutex<Log>>,
    handle: actix_web::dev::ServerHandle,
}

async fn receive(request: HttpRequest, body: String, log: web::Data<Mutex<Log>>) -> HttpResponse {
    let (status, delay) = {
        let mut log = log.lock().unwrap();
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_owned()))
            .collect();
        let path = request.path().to_owned();
        log.received.push(Received {
            path,
            headers,
            body,
        });
        let status = log.answers.pop_front().unwrap_or(200);
        (status, log.delays.pop_front())
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if (300..400).contains(&status) {
        response.insert_header(("location", "/followed"));
    }
    response.finish()
}

impl Receiver {
    /// Starts a receiver answering `answers` first, then 200.
    pub async fn start(answers: &[u16]) -> Self {
        Self::serve(0, answers, &[])
    }

    /// Starts a receiver on `port` (one that was down comes back).
    pub async fn start_on(port: u16, answers: &[u16]) -> Self {
        Self::serve(port, answers, &[])
    }

    /// Starts a receiver that takes `delays` to answer its first requests.
    pub async fn start_slow(delays: &[Duration]) -> Self {
        Self::serve(0, &[], delays)
    }

    fn serve(port: u16, answers: &[u16], delays: &[Duration]) -> Self {
        let log = Arc::new(Mutex::new(Log {
            received: Vec::new(),
            answers: answers.iter().copied().collect(),
            delays: delays.iter().copied().collect(),
        }));
        let data = web::Data::from(Arc::clone(&log));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", port))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks/tripdesk"),
            port,
            log,
            handle,
        }
    }

    /// Stops listening (the receiver is down until one starts on its port).
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().received.clone()
    }

    /// Waits (up to 15 s) until `count` requests have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        self.wait_for_within(count, Duration::from_secs(15)).await
    }

    /// Waits up to `limit` until `count` requests have arrived.
    pub async fn wait_for_within(&self, count: usize, limit: Duration) -> Vec<Received> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} deliveries expected, got {:?}", self.received());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}
