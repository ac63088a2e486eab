// tripdesk demo frontend, the agency's webhooks (role admin): subscribe a
// receiver (its secret shown once), ping it, turn it off and on, delete it,
// and read its delivery log with redelivery. Uses app.js's helpers and
// admin.js's element(); admin.js's loadAdmin calls loadWebhooks.
"use strict";

const EVENT_TYPES = [
  "booking.created", "booking.confirmed", "booking.rescheduled", "booking.cancelled",
  "booking.reassigned", "customer.registered", "customer.erased",
];

async function loadWebhooks() {
  const { webhooks } = await api("GET", "/api/admin/webhooks");
  $("#webhooks").replaceChildren(...webhooks.map(webhookRow));
}

function button(text, className, action) {
  const node = element("button", text, className);
  node.type = "button";
  node.addEventListener("click", () => attempt(action));
  return node;
}

function webhookRow(webhook) {
  const item = element("li");
  item.dataset.id = webhook.id;
  item.classList.toggle("inactive", !webhook.active);
  const state = webhook.active ? "on" : `off${webhook.disabledReason ? `: ${webhook.disabledReason}` : ""}`;
  const meta = element("div", `${webhook.events.join(", ")} · ${state}` +
    (webhook.description ? ` · ${webhook.description}` : ""), "meta");
  const path = `/api/admin/webhooks/${webhook.id}`;
  item.append(element("strong", webhook.url), meta,
    button("Send a ping", "secondary ping", async () => {
      await api("POST", `${path}/ping`);
      say("A ping is on its way; its delivery shows in the log.");
    }),
    button("Deliveries", "secondary deliveries", () => showDeliveries(webhook)),
    button(webhook.active ? "Turn off" : "Turn on", "secondary switch", async () => {
      await api("PATCH", path, { active: !webhook.active });
      await loadWebhooks();
    }),
    button("Delete", "cancel delete", async () => {
      await api("DELETE", path);
      $("#deliveries").hidden = true;
      await loadWebhooks();
    }));
  return item;
}

function deliveryRow(webhook, delivery) {
  const answer = delivery.responseStatus === null ? "no answer" : `HTTP ${delivery.responseStatus}`;
  const tried = delivery.lastAttemptAt
    ? ` · ${answer} in ${delivery.durationMs} ms at ${formatTime(delivery.lastAttemptAt)}`
    : "";
  const next = delivery.nextAttemptAt ? ` · next try ${formatTime(delivery.nextAttemptAt)}` : "";
  const item = element("li", `${delivery.eventType} · ${delivery.status} · ` +
    `${delivery.attempts} tr${delivery.attempts === 1 ? "y" : "ies"}${tried}${next} `);
  item.dataset.status = delivery.status;
  if (delivery.status !== "pending") {
    item.append(button("Deliver again", "secondary redeliver", async () => {
      await api("POST", `/api/admin/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`);
      say("It goes out again shortly.");
      await showDeliveries(webhook);
    }));
  }
  return item;
}

async function showDeliveries(webhook) {
  const { deliveries } = await api("GET", `/api/admin/webhooks/${webhook.id}/deliveries?limit=50`);
  $("#deliveries-heading").textContent = `Deliveries to ${webhook.url}`;
  $("#delivery-entries").replaceChildren(...deliveries.map((delivery) => deliveryRow(webhook, delivery)));
  $("#deliveries").hidden = false;
}

function wireWebhooks() {
  $("#webhook-events").replaceChildren(...EVENT_TYPES.map((type) => {
    const label = element("label", ` ${type}`, "inline");
    const box = element("input");
    box.type = "checkbox";
    box.name = "events";
    box.value = type;
    box.checked = type.startsWith("booking.");
    label.prepend(box);
    return label;
  }));
  $("#webhook-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const form = event.target;
      const events = [...form.querySelectorAll("input[name=events]:checked")].map((box) => box.value);
      const body = { url: form.elements.url.value, events };
      if (form.elements.description.value) body.description = form.elements.description.value;
      const { webhook, secret } = await api("POST", "/api/admin/webhooks", body);
      form.elements.url.value = "";
      form.elements.description.value = "";
      const shown = $("#webhook-secret");
      shown.textContent = `The secret of ${webhook.url}, shown this once: ${secret}`;
      shown.hidden = false;
      await loadWebhooks();
    });
  });
}

wireWebhooks();
