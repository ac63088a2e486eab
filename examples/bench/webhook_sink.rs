//! A minimal HTTP/1.1 server on 127.0.0.1 that answers every request 204
//! and counts them: the bench's stand-in for the agency's CRM receiving
//! webhooks (keep-alive, as a real receiver serves the service's pooled
//! connections).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use anyhow::Result;

use crate::sink::{Counter, Sink};

/// Starts the sink; where a webhook points to reach it.
pub fn start() -> Result<Sink> {
    Sink::start(
        |port| format!("http://127.0.0.1:{port}/hooks/tripdesk"),
        serve,
    )
}

/// One connection: requests read (headers, then `Content-Length` bytes of
/// body), each answered 204 and counted.
fn serve(stream: TcpStream, received: &Counter) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    loop {
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        received.add();
        writer.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")?;
    }
}
