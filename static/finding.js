// tripdesk demo frontend, finding the right consultant: the list narrowed
// to those who speak a language, know a subject and consult a way. Uses
// app.js's helpers (api, $, attempt, formJson, showConsultants).
"use strict";

function wireFinding() {
  $("#find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const fields = formJson(event.target);
      const query = new URLSearchParams();
      for (const name of ["language", "specialty", "mode"]) {
        if (fields[name].trim()) query.set(name, fields[name].trim());
      }
      const found = (await api("GET", `/api/consultants?${query}`)).consultants;
      showConsultants(found);
    });
  });
}

wireFinding();
