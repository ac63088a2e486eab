// tripdesk demo frontend: plain JS against the JSON API, session in an
// httpOnly cookie the page never sees. It talks to its own origin only:
// nothing in the URL can send credentials elsewhere. A copy served from
// another origin (the cross-origin browser test) has the API's origin
// written into the line below, and that origin must be in ALLOWED_ORIGINS.
"use strict";

const API = "";

const $ = (selector, root = document) => root.querySelector(selector);
let me = null;
let consultants = [];
let chosen = { consultant: null, slot: null };
// The token of a reset link this page was opened with; kept in memory only
// (the address bar drops it at once, so it is in no history entry).
let resetToken = null;

/** Calls the API; resolves to the JSON body or throws an Error whose message
 *  is the API's own explanation. */
async function api(method, path, body) {
  const options = { method, credentials: "include", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(API + path, options);
  } catch (_) {
    throw new Error("Cannot reach tripdesk. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.errors && data.errors[0];
    const failure = new Error(error ? error.detail : `Request failed (${response.status})`);
    failure.status = response.status;
    failure.code = error && error.code;
    throw failure;
  }
  return data;
}

function say(text, isError = false) {
  const box = $("#message");
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = !text;
}

/** Runs an action, showing its failure; a 401 means the session is gone. */
async function attempt(action) {
  try {
    await action();
  } catch (error) {
    if (error.status === 401 && me) {
      showLoggedOut();
      say("Your session has ended. Please log in again.", true);
    } else {
      say(error.message, true);
    }
  }
}

const formatTime = (iso) => new Date(iso).toLocaleString([], {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});

function showLoggedOut() {
  me = null;
  $("#whoami").hidden = true;
  $("#auth").hidden = resetToken !== null;
  $("#reset").hidden = resetToken === null;
  for (const id of ["#book", "#bookings-section", "#sessions-section", "#calendar-section"]) {
    $(id).hidden = true;
  }
}

async function showLoggedIn(user) {
  me = user;
  $("#whoami-text").textContent = `${user.name} (${user.email}, ${user.role})`;
  $("#whoami").hidden = false;
  $("#auth").hidden = true;
  $("#reset").hidden = resetToken === null;
  $("#book").hidden = user.role !== "customer";
  $("#verify-note").hidden = user.role !== "customer" || user.emailVerified;
  $("#bookings-section").hidden = false;
  $("#sessions-section").hidden = false;
  $("#calendar-section").hidden = user.role !== "consultant";
  $("#bookings-heading").textContent =
    user.role === "consultant" ? "Bookings with me" : "My bookings";
  await Promise.all([
    loadBookings(), loadSessions(),
    user.role === "customer" ? loadConsultants() : loadCalendar(),
  ]);
}

async function loadConsultants() {
  consultants = (await api("GET", "/api/consultants")).consultants;
  const list = $("#consultants");
  list.replaceChildren(...consultants.map((consultant) => {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = consultant.name;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `${consultant.specialties.join(", ")} · speaks ${consultant.languages.join(", ")} · ${consultant.timezone}`;
    const pick = document.createElement("button");
    pick.type = "button";
    pick.textContent = "Choose";
    pick.className = "secondary choose";
    pick.addEventListener("click", () => chooseConsultant(consultant));
    item.append(name, meta, pick);
    return item;
  }));
}

function chooseConsultant(consultant) {
  chosen = { consultant, slot: null };
  $("#slot-heading").textContent = `Free times with ${consultant.name}`;
  const day = $("#slot-form").elements.day;
  if (!day.value) day.value = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  $("#slot-form").hidden = false;
  $("#slots").replaceChildren();
  $("#booking-form").hidden = true;
}

async function loadSlots(day) {
  const { slots } = await api("GET",
    `/api/consultants/${encodeURIComponent(chosen.consultant.id)}/availability?from=${day}&days=1`);
  const box = $("#slots");
  if (slots.length === 0) {
    const none = document.createElement("p");
    none.textContent = "No free times that day. Try another day.";
    box.replaceChildren(none);
    return;
  }
  box.replaceChildren(...slots.map((slot) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = new Date(slot.startsAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    button.dataset.startsAt = slot.startsAt;
    button.addEventListener("click", () => {
      chosen.slot = slot;
      for (const other of box.children) other.classList.toggle("chosen", other === button);
      $("#chosen-slot").textContent = `on ${formatTime(slot.startsAt)}`;
      $("#booking-form").hidden = false;
    });
    return button;
  }));
}

async function loadBookings() {
  const { bookings } = await api("GET", "/api/bookings?limit=100");
  const names = new Map(consultants.map((c) => [c.id, c.name]));
  const template = $("#booking-template");
  $("#no-bookings").hidden = bookings.length > 0;
  $("#bookings").replaceChildren(...bookings.map((booking) => {
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.id = booking.id;
    $(".when", item).textContent = formatTime(booking.startsAt);
    $(".status", item).textContent = booking.status;
    const who = names.get(booking.consultantId);
    $(".what", item).textContent = `${booking.destination} · ${booking.travelers} traveler(s) · ${booking.mode.replace("_", " ")}` +
      (who ? ` · with ${who}` : "") + (booking.notes ? ` · “${booking.notes}”` : "");
    const live = booking.status !== "cancelled" && new Date(booking.startsAt) > new Date();
    $(".confirm", item).hidden = !(me.role === "consultant" && booking.status === "pending");
    $(".actions", item).hidden = !live;
    $(".confirm", item).addEventListener("click", () => attempt(async () => {
      await api("POST", `/api/bookings/${booking.id}/confirm`);
      await loadBookings();
      say("Booking confirmed.");
    }));
    $(".cancel", item).addEventListener("click", () => attempt(async () => {
      await api("POST", `/api/bookings/${booking.id}/cancel`, {});
      await loadBookings();
      say("Booking cancelled.");
    }));
    $(".move", item).addEventListener("click", () => attempt(async () => {
      const value = $(".reschedule input", item).value;
      if (!value) throw new Error("Pick the new start time first.");
      const startsAt = new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z");
      await api("PATCH", `/api/bookings/${booking.id}`, { startsAt });
      await loadBookings();
      say("Booking moved.");
    }));
    return item;
  }));
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** A consultant's own calendar: schedule, time off. */
async function loadCalendar() {
  const [{ schedule }, { timeOff }] = await Promise.all([
    api("GET", "/api/consultants/me/schedule"),
    api("GET", "/api/consultants/me/time-off"),
  ]);
  const form = $("#schedule-form");
  form.elements.timezone.value = schedule.timezone;
  form.elements.bufferMinutes.value = String(schedule.bufferMinutes);
  form.elements.minimumNoticeMinutes.value = schedule.minimumNoticeMinutes;
  form.elements.bookingHorizonDays.value = schedule.bookingHorizonDays;
  $("#hours").replaceChildren(...DAYS.map((day) => {
    const [start, end] = schedule.workingHours[day] ?? ["", ""];
    const row = document.createElement("label");
    row.className = "day";
    row.append(`${day} `);
    for (const [part, value] of [["start", start], ["end", end]]) {
      const input = document.createElement("input");
      Object.assign(input, { type: "time", step: 1800, name: `${day}-${part}`, value });
      row.append(input);
    }
    return row;
  }));
  $("#time-off").replaceChildren(...timeOff.map((off) => {
    const item = document.createElement("li");
    item.textContent = `${formatTime(off.startsAt)} – ${formatTime(off.endsAt)}` +
      (off.reason ? ` · ${off.reason}` : "");
    const remove = document.createElement("button");
    Object.assign(remove, { type: "button", className: "cancel", textContent: "Remove" });
    remove.addEventListener("click", () => attempt(async () => {
      await api("DELETE", `/api/consultants/me/time-off/${off.id}`);
      await loadCalendar();
      say("Time off removed.");
    }));
    item.append(" ", remove);
    return item;
  }));
}

/** The schedule form as the API takes it (days left empty are off). */
function scheduleJson(form) {
  const fields = formJson(form);
  const workingHours = {};
  for (const day of DAYS) {
    const [start, end] = [fields[`${day}-start`], fields[`${day}-end`]];
    if (start && end) workingHours[day] = [start, end];
  }
  return {
    timezone: fields.timezone, workingHours,
    bufferMinutes: Number(fields.bufferMinutes),
    minimumNoticeMinutes: Number(fields.minimumNoticeMinutes),
    bookingHorizonDays: Number(fields.bookingHorizonDays),
  };
}

const toUtc = (local) => new Date(local).toISOString().replace(/\.\d{3}Z$/, "Z");

async function loadSessions() {
  const { sessions } = await api("GET", "/api/users/me/sessions");
  $("#sessions").replaceChildren(...sessions.map((session) => {
    const item = document.createElement("li");
    item.textContent = (session.current ? "This device" : "Another device") +
      ` — ${session.userAgent || "unknown client"}`;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `since ${formatTime(session.createdAt)}, last seen ${formatTime(session.lastSeenAt)}`;
    item.append(meta);
    return item;
  }));
}

function formJson(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function wire() {
  $("#login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { user } = await api("POST", "/api/users/login", formJson(event.target));
      event.target.reset();
      say(`Welcome back, ${user.name}.`);
      await showLoggedIn(user);
    });
  });
  $("#register-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { user } = await api("POST", "/api/users/register", formJson(event.target));
      event.target.reset();
      say(`Welcome, ${user.name}. Your account is ready.`);
      await showLoggedIn(user);
    });
  });
  $("#forgot").addEventListener("click", () => {
    $("#forgot-form").hidden = false;
    $("#forgot-form").elements.email.value = $("#login-form").elements.email.value;
    $("#forgot-form").elements.email.focus();
  });
  $("#forgot-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { detail } = await api("POST", "/api/users/password-reset", formJson(event.target));
      event.target.hidden = true;
      say(detail);
    });
  });
  $("#reset-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { newPassword } = formJson(event.target);
      const { detail } = await api("POST", "/api/users/password-reset/confirm",
        { token: resetToken, newPassword });
      resetToken = null;
      event.target.reset();
      showLoggedOut();
      say(detail);
    });
  });
  $("#schedule-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      await api("PUT", "/api/consultants/me/schedule", scheduleJson(event.target));
      say("Schedule saved. Existing bookings are kept.");
      await loadCalendar();
    });
  });
  $("#time-off-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { startsAt, endsAt, reason } = formJson(event.target);
      await api("POST", "/api/consultants/me/time-off",
        { startsAt: toUtc(startsAt), endsAt: toUtc(endsAt), reason });
      event.target.reset();
      say("Time off added.");
      await loadCalendar();
    });
  });
  $("#feed-rotate").addEventListener("click", () => attempt(async () => {
    const { url } = await api("POST", "/api/consultants/me/calendar-feed");
    $("#feed-url").value = url;
    say("A new feed address is ready; the old one no longer works.");
  }));
  $("#feed-copy").addEventListener("click", () => attempt(async () => {
    const url = $("#feed-url").value;
    if (!url) throw new Error("Make a feed address first.");
    await navigator.clipboard.writeText(url);
    say("Feed address copied.");
  }));
  $("#feed-revoke").addEventListener("click", () => attempt(async () => {
    await api("DELETE", "/api/consultants/me/calendar-feed");
    $("#feed-url").value = "";
    say("The calendar feed is off.");
  }));
  $("#resend-verification").addEventListener("click", () => attempt(async () => {
    const { detail } = await api("POST", "/api/users/me/verification");
    say(detail);
  }));
  $("#logout").addEventListener("click", () => attempt(async () => {
    await api("POST", "/api/users/logout");
    showLoggedOut();
    say("You are logged out.");
  }));
  $("#logout-others").addEventListener("click", () => attempt(async () => {
    const { revoked } = await api("DELETE", "/api/users/me/sessions");
    say(`Logged out ${revoked} other device(s).`);
    await loadSessions();
  }));
  $("#slot-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(() => loadSlots(event.target.elements.day.value));
  });
  $("#booking-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const fields = formJson(event.target);
      await api("POST", "/api/bookings", {
        consultantId: chosen.consultant.id,
        startsAt: chosen.slot.startsAt,
        durationMinutes: 30,
        mode: fields.mode,
        destination: fields.destination,
        travelers: Number(fields.travelers),
        notes: fields.notes,
      });
      event.target.reset();
      event.target.hidden = true;
      say(`Booked: ${formatTime(chosen.slot.startsAt)} with ${chosen.consultant.name}.`);
      await Promise.all([loadBookings(), loadSlots($("#slot-form").elements.day.value)]);
    });
  });
}

/** A page opened from a mailed link: takes the token out of the address
 *  bar (and so out of history), then resets or verifies with it. */
async function followMailedLink() {
  const token = new URLSearchParams(location.search).get("token");
  const page = location.pathname;
  if (!token || (page !== "/reset-password" && page !== "/verify-email")) return;
  history.replaceState(null, "", "/");
  if (page === "/reset-password") {
    resetToken = token;
    return;
  }
  await attempt(async () => {
    await api("POST", "/api/users/verify-email", { token });
    say("Thank you: your address is verified.");
  });
}

async function start() {
  wire();
  await followMailedLink();
  try {
    const { user } = await api("GET", "/api/users/me");
    await showLoggedIn(user);
  } catch (error) {
    showLoggedOut();
    if (error.status !== 401) say(error.message, true);
  }
}

start();
