// tripdesk demo frontend: plain JS against the JSON API, session in an
// httpOnly cookie the page never sees. This file holds the helpers, the
// account and the customer's screens; calendar.js the consultant's,
// admin.js the agency's, privacy.js the person's own data. It talks to its own origin only:
// nothing in the URL can send credentials elsewhere. A copy served from
// another origin (the cross-origin browser test) has the API's origin
// written into the line below, and that origin must be in ALLOWED_ORIGINS.
"use strict";

const API = "";

const $ = (selector, root = document) => root.querySelector(selector);
let me = null;
let consultants = [];
let chosen = { consultant: null, slot: null };
// The token of a reset or invitation link this page was opened with, and
// which; kept in memory only (the address bar drops it at once, so it is
// in no history entry).
let resetToken = null;
let tokenPage = null;

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
  for (const id of ["#book", "#bookings-section", "#sessions-section", "#calendar-section",
    "#admin-section", "#privacy-section", "#profile-section"]) {
    $(id).hidden = true;
  }
}

/** Who is logged in, in the header. */
function showWhoami(user) {
  $("#whoami-text").textContent = `${user.name} (${user.email}, ${user.role})`;
}

async function showLoggedIn(user) {
  me = user;
  showWhoami(user);
  $("#whoami").hidden = false;
  $("#auth").hidden = true;
  $("#reset").hidden = resetToken === null;
  $("#book").hidden = user.role !== "customer";
  $("#verify-note").hidden = user.role !== "customer" || user.emailVerified;
  $("#bookings-section").hidden = user.role === "admin";
  $("#sessions-section").hidden = false;
  $("#calendar-section").hidden = user.role !== "consultant";
  $("#admin-section").hidden = user.role !== "admin";
  showPrivacy(user);
  showProfile(user);
  $("#bookings-heading").textContent =
    user.role === "consultant" ? "Bookings with me" : "My bookings";
  const screens = {
    customer: () => Promise.all([loadBookings(), loadConsultants()]),
    consultant: () => Promise.all([loadBookings(), loadCalendar()]),
    admin: () => loadAdmin(),
  };
  await Promise.all([loadSessions(), screens[user.role]()]);
}

async function loadConsultants() {
  consultants = (await api("GET", "/api/consultants")).consultants;
  showConsultants(consultants);
}

/** Lists `shown` (every consultant, or those a search found) to choose from. */
function showConsultants(shown) {
  $("#no-match").hidden = shown.length > 0;
  $("#consultants").replaceChildren(...shown.map((consultant) => {
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
  showSlots(slots, `with ${chosen.consultant.name}`);
}

/** Offers `slots` to choose from; `whom` says with whom in the form's heading. */
function showSlots(slots, whom) {
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
    button.textContent = new Date(slot.startsAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
      (slot.consultants ? ` · ${slot.consultants} free` : "");
    button.dataset.startsAt = slot.startsAt;
    button.addEventListener("click", () => {
      chosen.slot = slot;
      for (const other of box.children) other.classList.toggle("chosen", other === button);
      $("#chosen-slot").textContent = `on ${formatTime(slot.startsAt)} ${whom}`;
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
    if (booking.meetingUrl) {
      $(".meeting", item).href = booking.meetingUrl;
      $(".meeting", item).hidden = false;
    }
    const live = booking.status !== "cancelled" && new Date(booking.startsAt) > new Date();
    $(".confirm", item).hidden = !(me.role === "consultant" && booking.status === "pending");
    const changeable = showDeadline(booking, item);
    $(".actions", item).hidden = !live || !changeable;
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

/** Shows until when the customer may cancel or move `booking` (the
 *  consultant's policy); whether they still may. Its consultant and staff
 *  always may. */
function showDeadline(booking, item) {
  const consultant = consultants.find((c) => c.id === booking.consultantId);
  if (me.role !== "customer" || !consultant || !consultant.cancellationNoticeMinutes) return true;
  const deadline = new Date(new Date(booking.startsAt) - consultant.cancellationNoticeMinutes * 60000);
  const open = deadline > new Date();
  $(".deadline", item).textContent = open
    ? `Free to cancel or move until ${formatTime(deadline.toISOString())}`
    : "Too late to cancel or move online: please call the agency";
  $(".deadline", item).hidden = booking.status === "cancelled";
  return open;
}

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
      const answer = await api("POST", "/api/users/login", formJson(event.target));
      event.target.reset();
      if (answer.mfaRequired) {
        askForCode(answer.challenge);
        return;
      }
      say(`Welcome back, ${answer.user.name}.`);
      await showLoggedIn(answer.user);
    });
  });
  $("#register-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { user } = await api("POST", "/api/users/register", registration(event.target));
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
      const { detail } = tokenPage === "/set-password"
        ? await api("POST", "/api/users/set-password", { token: resetToken, password: newPassword })
        : await api("POST", "/api/users/password-reset/confirm", { token: resetToken, newPassword });
      resetToken = null;
      event.target.reset();
      showLoggedOut();
      say(detail);
    });
  });
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
      const request = {
        consultantId: chosen.consultant ? chosen.consultant.id : "any",
        startsAt: chosen.slot.startsAt,
        durationMinutes: 30,
        mode: fields.mode,
        destination: fields.destination,
        travelers: Number(fields.travelers),
        notes: fields.notes,
      };
      if (!chosen.consultant) request.match = chosen.match;
      const { booking } = await api("POST", "/api/bookings", request);
      event.target.reset();
      event.target.hidden = true;
      say(`Booked: ${formatTime(booking.startsAt)} ${bookedWith(booking)}.`);
      await Promise.all([loadBookings(), chosen.consultant
        ? loadSlots($("#slot-form").elements.day.value) : findAnyone()]);
    });
  });
}

/** A page opened from a mailed link: takes the token out of the address
 *  bar (and so out of history), then resets, sets or verifies with it. */
async function followMailedLink() {
  const token = new URLSearchParams(location.search).get("token");
  const page = location.pathname;
  const pages = ["/reset-password", "/set-password", "/verify-email"];
  if (!token || !pages.includes(page)) return;
  history.replaceState(null, "", "/");
  if (page !== "/verify-email") {
    resetToken = token;
    tokenPage = page;
    $("#reset-heading").textContent =
      page === "/set-password" ? "Welcome: choose your password" : "Choose a new password";
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

// Once every script of the page has run (calendar.js and admin.js too).
document.addEventListener("DOMContentLoaded", start);
