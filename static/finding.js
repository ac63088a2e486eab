// tripdesk demo frontend, finding the right consultant: the list narrowed
// to those who speak a language, know a subject and consult a way, and the
// free times of anyone who matches, booked with "any" consultant. Uses
// app.js's helpers (api, $, attempt, formJson, showConsultants, showSlots)
// and its state (chosen, consultants).
"use strict";

const WHY = {
  previous_consultant: "your consultant last time",
  least_busy: "the least busy of those free then",
  least_recent: "booked least recently of those free then",
};

/** The search's language, specialty and mode as query parameters. */
function searchQuery(fields) {
  const query = new URLSearchParams();
  for (const name of ["language", "specialty", "mode"]) {
    if (fields[name].trim()) query.set(name, fields[name].trim());
  }
  return query;
}

/** "with Lucía (why)" for a booking the service assigned, "with Lucía" otherwise. */
function bookedWith(booking) {
  const consultant = consultants.find((c) => c.id === booking.consultantId);
  const name = consultant ? consultant.name : "your consultant";
  return booking.assignment ? `with ${name}, ${WHY[booking.assignment.reason]}` : `with ${name}`;
}

/** Free times, on the search form's day, with anyone the search matches:
 *  choosing one books "any" consultant who matches. */
async function findAnyone() {
  const form = $("#find-form");
  if (!form.elements.day.value) {
    form.elements.day.value = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  }
  const fields = formJson(form);
  const query = searchQuery(fields);
  query.set("from", fields.day);
  query.set("days", "1");
  const { slots } = await api("GET", `/api/availability?${query}`);
  const match = {};
  if (fields.language.trim()) match.language = fields.language.trim();
  if (fields.specialty.trim()) match.specialty = fields.specialty.trim();
  chosen = { consultant: null, match, slot: null };
  if (fields.mode) $("#booking-form").elements.mode.value = fields.mode;
  $("#slot-form").hidden = true;
  $("#booking-form").hidden = true;
  showSlots(slots, "with anyone who matches");
}

function wireFinding() {
  $("#find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const query = searchQuery(formJson(event.target));
      const found = (await api("GET", `/api/consultants?${query}`)).consultants;
      showConsultants(found);
    });
  });
  $("#find-any").addEventListener("click", () => attempt(findAnyone));
}

wireFinding();
