// Time in state, counted in the browser from the server's timestamp.
(function () {
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll("time.since[data-since]").forEach((el) => {
      const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(el.dataset.since)) / 1000));
      const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      el.textContent = h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();

// A change told while a form is posting refreshes the panel at once, and the post's own
// answer (rendered before the change) then replaces it. So once a form post's answer has
// settled into a desk panel, the desk refreshes once more: the latest state lands last.
document.addEventListener("htmx:afterSettle", (event) => {
  const { requestConfig } = event.detail;
  if (requestConfig && requestConfig.verb === "post" && event.target.matches("section[hx-get]")) {
    window.htmx.trigger(document.body, "desk-changed");
  }
});

// With Twilio, the browser is the agent's phone (Twilio Voice JS SDK, vendored): it
// registers as the agent's client and its Accept button answers the ringing offer. In
// simulator mode the server answers instead, so none of this runs.
(function () {
  function start() {
    const status = document.querySelector("[data-softphone=twilio]");
    if (!status) return;
    if (!window.Twilio || !window.Twilio.Device) {
      status.textContent = "Softphone: the voice library did not load.";
      return;
    }
    let incoming = null;
    const showAccept = () => document.querySelectorAll("[data-softphone-accept]").forEach((b) => {
      b.hidden = !incoming;
    });
    const refresh = () => {
      showAccept();
      if (window.htmx) window.htmx.trigger(document.body, "desk-changed");
    };
    const token = () => fetch(status.dataset.tokenUrl, { credentials: "same-origin" }).then((r) =>
      r.json().then((body) => {
        if (!r.ok) throw new Error(body.detail || r.statusText);
        return body.token;
      }));
    token().then((first) => {
      const device = new window.Twilio.Device(first, { closeProtection: true });
      device.on("registered", () => { status.textContent = "Softphone: ready."; });
      device.on("error", (error) => { status.textContent = `Softphone: ${error.message}`; });
      device.on("tokenWillExpire", () => token().then((next) => device.updateToken(next)));
      device.on("incoming", (call) => {
        incoming = call;
        const gone = () => { incoming = null; refresh(); };
        call.on("cancel", gone);
        call.on("reject", gone);
        call.on("disconnect", gone);
        refresh();
      });
      device.register();
    }).catch((error) => { status.textContent = `Softphone: ${error.message}`; });
    document.addEventListener("click", (event) => {
      if (incoming && event.target.closest("[data-softphone-accept]")) incoming.accept();
    });
    // The call panel is re-rendered by htmx: show Accept again on the new one.
    document.body.addEventListener("htmx:afterSwap", showAccept);
  }
  document.addEventListener("DOMContentLoaded", start);
})();
