// tripdesk demo frontend, the agency's screen (role admin): consultants
// with invite, deactivate and reactivate; every booking with filters,
// reassignment and history; webhooks (webhooks.js). Uses app.js's helpers
// (api, $, attempt, say, formatTime, formJson); app.js calls loadAdmin for
// staff.
"use strict";

let staffConsultants = [];
let staffCursor = null;

async function loadAdmin() {
  await loadStaffConsultants();
  await loadStaffBookings(false);
  await loadWebhooks();
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function option(value, text) {
  const node = element("option", text);
  node.value = value;
  return node;
}

const listOf = (text) => text.split(",").map((item) => item.trim()).filter(Boolean);

async function loadStaffConsultants() {
  staffConsultants = (await api("GET", "/api/admin/consultants")).consultants;
  $("#staff-consultants").replaceChildren(...staffConsultants.map(consultantRow));
  const select = $("#booking-filter").elements.consultantId;
  const kept = select.value;
  select.replaceChildren(option("", "any"),
    ...staffConsultants.map((consultant) => option(consultant.id, consultant.name)));
  select.value = kept;
}

function consultantRow(consultant) {
  const item = element("li");
  item.dataset.id = consultant.id;
  item.classList.toggle("inactive", !consultant.active);
  const meta = element("div", `${consultant.email ?? "no login"} · ${consultant.timezone} · ` +
    `${consultant.modes.join(", ").replace("in_person", "in person")} · ` +
    (consultant.active ? "active" : "deactivated"), "meta");
  item.append(element("strong", consultant.name), meta);
  if (consultant.active) {
    const cancel = element("label", " and cancel their future bookings", "inline");
    const box = element("input");
    box.type = "checkbox";
    cancel.prepend(box);
    const button = element("button", "Deactivate", "cancel deactivate");
    button.type = "button";
    button.addEventListener("click", () => attempt(async () => {
      await api("POST", `/api/admin/consultants/${consultant.id}/deactivate`,
        { cancelFutureBookings: box.checked });
      say(`${consultant.name} is deactivated.`);
      await loadAdmin();
    }));
    item.append(button, cancel);
  } else {
    const button = element("button", "Reactivate", "secondary reactivate");
    button.type = "button";
    button.addEventListener("click", () => attempt(async () => {
      await api("POST", `/api/admin/consultants/${consultant.id}/reactivate`);
      say(`${consultant.name} is active again.`);
      await loadStaffConsultants();
    }));
    item.append(button);
  }
  return item;
}

/** The filter form as query parameters (days are whole UTC days). */
function filterQuery() {
  const fields = formJson($("#booking-filter"));
  const query = new URLSearchParams({ limit: "20" });
  for (const name of ["consultantId", "customerEmail", "status"]) {
    if (fields[name]) query.set(name, fields[name]);
  }
  if (fields.from) query.set("from", `${fields.from}T00:00:00Z`);
  if (fields.to) {
    const next = new Date(`${fields.to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    query.set("to", next.toISOString().replace(/\.\d{3}Z$/, "Z"));
  }
  return query;
}

/** The first page of bookings matching the filters, or the next one. */
async function loadStaffBookings(more) {
  const query = filterQuery();
  if (more && staffCursor) query.set("cursor", staffCursor);
  const page = await api("GET", `/api/admin/bookings?${query}`);
  staffCursor = page.nextCursor;
  const rows = page.bookings.map(staffBookingRow);
  if (more) {
    $("#staff-bookings").append(...rows);
  } else {
    $("#staff-bookings").replaceChildren(...rows);
    $("#history").hidden = true;
  }
  $("#no-staff-bookings").hidden = $("#staff-bookings").children.length > 0;
  $("#staff-more").hidden = staffCursor === null;
}

const nameOf = (id) => staffConsultants.find((consultant) => consultant.id === id)?.name ?? id;

function staffBookingRow(booking) {
  const item = element("li", undefined, "booking");
  item.dataset.id = booking.id;
  const head = element("div");
  head.append(element("strong", formatTime(booking.startsAt)), " · ",
    element("span", booking.status, "status"));
  const what = element("div", `${booking.destination} · ${booking.travelers} traveler(s) · ` +
    `with ${nameOf(booking.consultantId)} · customer ${booking.customerId}`, "what");
  const actions = element("div", undefined, "actions");
  const history = element("button", "History", "secondary history");
  history.type = "button";
  history.addEventListener("click", () => attempt(() => showHistory(booking)));
  actions.append(history);
  const live = booking.status !== "cancelled" && new Date(booking.startsAt) > new Date();
  if (live) {
    const target = element("select", undefined, "reassign-to");
    target.append(...staffConsultants
      .filter((consultant) => consultant.active && consultant.id !== booking.consultantId)
      .map((consultant) => option(consultant.id, consultant.name)));
    const reassign = element("button", "Reassign", "reassign");
    reassign.type = "button";
    reassign.addEventListener("click", () => attempt(async () => {
      await api("POST", `/api/admin/bookings/${booking.id}/reassign`,
        { consultantId: target.value });
      say(`Booking moved to ${nameOf(target.value)}.`);
      await loadStaffBookings(false);
    }));
    actions.append(target, reassign);
  }
  item.append(head, what, actions);
  return item;
}

function describe(entry) {
  const by = entry.actor ? entry.actor.role : "tripdesk";
  const details = Object.entries(entry.details)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : value}`)
    .join("; ");
  return `${formatTime(entry.at)} · ${entry.action} · by ${by}` + (details ? ` · ${details}` : "");
}

async function showHistory(booking) {
  const { entries } = await api("GET", `/api/bookings/${booking.id}/history`);
  $("#history-heading").textContent = `History of the booking on ${formatTime(booking.startsAt)}`;
  $("#history-entries").replaceChildren(...entries.map((entry) => element("li", describe(entry))));
  $("#history").hidden = false;
}

function wireAdmin() {
  $("#invite-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const fields = formJson(event.target);
      const hours = [fields.from, fields.until];
      const workingHours = Object.fromEntries(
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, hours]));
      const { consultant } = await api("POST", "/api/admin/consultants", {
        email: fields.email, name: fields.name,
        specialties: listOf(fields.specialties), languages: listOf(fields.languages),
        schedule: { timezone: fields.timezone, workingHours },
      });
      event.target.reset();
      say(`${consultant.name} is invited: the mail is on its way to ${consultant.email}.`);
      await loadStaffConsultants();
    });
  });
  $("#booking-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(() => loadStaffBookings(false));
  });
  $("#staff-more").addEventListener("click", () => attempt(() => loadStaffBookings(true)));
}

wireAdmin();
