//! Load from `wrk` (Debian's package), scripted in Lua so that each request
//! can carry a different session, credentials or slot.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde::Deserialize;

/// Shared by every script: each wrk thread learns its index and reads its
/// share of a data file (every `stride`-th line); `done` prints the results
/// as one JSON line the harness parses.
const PRELUDE: &str = r#"
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function read_share(path, stride)
  local all, lines = {}, {}
  for line in io.lines(path) do all[#all + 1] = line end
  assert(#all > 0, "no data in " .. path)
  -- Fewer lines than threads (one session for all): every thread shares them.
  if #all < stride then return all end
  for n, line in ipairs(all) do
    if (n - 1) % stride == id then lines[#lines + 1] = line end
  end
  return lines
end

function split(line)
  local fields = {}
  for field in line:gmatch("%S+") do fields[#fields + 1] = field end
  return fields
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// `GET` the URL with a session cookie from the tokens file (one per line).
/// An optional third argument pauses each connection that many ms between
/// requests, for a steady background load instead of a flood.
const GET_WITH_SESSION: &str = r#"
function init(args)
  tokens = read_share(args[1], tonumber(args[3]))
  cookie = args[2]
  pause = tonumber(args[4] or "0")
  i = 0
end
function request()
  i = i % #tokens + 1
  return wrk.format("GET", nil, {Cookie = cookie .. "=" .. tokens[i]})
end
function delay() return pause end
"#;

/// `POST /api/users/login` with credentials from the file ("email password").
const LOGIN: &str = r#"
function init(args)
  accounts = read_share(args[1], tonumber(args[2]))
  i = 0
end
function request()
  i = i % #accounts + 1
  local a = split(accounts[i])
  local body = string.format('{"email":"%s","password":"%s"}', a[1], a[2])
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"#;

/// `POST /api/bookings`, each request a different free slot from the file
/// ("token consultantId startsAt"); a thread that runs out stops its load
/// by repeating its last request (a 409 the harness counts as an error).
const BOOK: &str = r#"
function init(args)
  slots = read_share(args[1], tonumber(args[3]))
  cookie = args[2]
  i = 0
end
function request()
  i = math.min(i + 1, #slots)
  local s = split(slots[i])
  local body = string.format(
    '{"consultantId":"%s","startsAt":"%s","durationMinutes":30,"mode":"video",' ..
    '"destination":"Lisbon and the Algarve","travelers":2,"notes":"Benchmark booking"}',
    s[2], s[3])
  return wrk.format("POST", nil,
    {["Content-Type"] = "application/json", Cookie = cookie .. "=" .. s[1]}, body)
end
"#;

/// Which script a run uses.
#[derive(Clone, Copy)]
pub enum Script {
    /// wrk's own request: the URL, no headers.
    Plain,
    GetWithSession,
    Login,
    Book,
}

/// What one run measured.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Measured {
    pub requests: u64,
    pub duration_us: u64,
    pub errors: u64,
    pub p50_us: u64,
    pub p99_us: u64,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }
}

/// A wrk invocation.
#[derive(Clone)]
pub struct Load<'a> {
    pub url: String,
    pub script: Script,
    pub args: Vec<String>,
    pub connections: usize,
    pub threads: usize,
    pub duration: Duration,
    pub scripts_dir: &'a Path,
}

impl Load<'_> {
    fn script_path(&self) -> Result<PathBuf> {
        let (name, body) = match self.script {
            Script::Plain => ("plain.lua", ""),
            Script::GetWithSession => ("get_with_session.lua", GET_WITH_SESSION),
            Script::Login => ("login.lua", LOGIN),
            Script::Book => ("book.lua", BOOK),
        };
        let path = self.scripts_dir.join(name);
        std::fs::write(&path, format!("{PRELUDE}{body}"))?;
        Ok(path)
    }

    /// Runs wrk to completion (blocking) and parses its results.
    pub fn run(&self) -> Result<Measured> {
        let output = Command::new("wrk")
            .arg(format!("--threads={}", self.threads))
            .arg(format!("--connections={}", self.connections))
            .arg(format!("--duration={}s", self.duration.as_secs().max(1)))
            .arg("--timeout=10s")
            .arg("--latency")
            .arg("--script")
            .arg(self.script_path()?)
            .arg(&self.url)
            .arg("--")
            .args(&self.args)
            .output()
            .context("running wrk (apt-get install wrk)")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        ensure!(
            output.status.success(),
            "wrk failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|line| line.strip_prefix("BENCH "))
            .with_context(|| format!("no results from wrk: {stdout}"))?;
        Ok(serde_json::from_str(line)?)
    }
}
