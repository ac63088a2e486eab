// tripdesk demo frontend, a consultant's own calendar: schedule, time off
// and calendar feed. Uses app.js's helpers (api, $, attempt, say,
// formatTime, formJson); app.js calls loadCalendar for consultants.
"use strict";

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
  form.elements.cancellationNoticeMinutes.value = schedule.cancellationNoticeMinutes;
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
    cancellationNoticeMinutes: Number(fields.cancellationNoticeMinutes),
  };
}

const toUtc = (local) => new Date(local).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Wires the calendar's forms and buttons. */
function wireCalendar() {
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
}

wireCalendar();
