//! A minimal SMTP server on 127.0.0.1 that accepts every mail and keeps only
//! a count: the bench's stand-in for the relay production sends to, so the
//! service's mail work is measured as it runs in production (SMTP), not
//! through the development `.eml` file outbox.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use anyhow::Result;

use crate::sink::{Counter, Sink};

/// Starts the sink: `smtp://127.0.0.1:<port>` (plain: a local relay).
pub fn start() -> Result<Sink> {
    Sink::start(|port| format!("smtp://127.0.0.1:{port}"), serve)
}

/// One SMTP session: every command accepted, every message counted.
fn serve(stream: TcpStream, received: &Counter) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    writer.write_all(b"220 bench-sink ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => writer.write_all(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?,
            "DATA" => {
                writer.write_all(b"354 end with a dot\r\n")?;
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                }
                received.add();
                writer.write_all(b"250 queued\r\n")?;
            }
            "QUIT" => {
                writer.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => writer.write_all(b"250 ok\r\n")?,
        }
    }
}
