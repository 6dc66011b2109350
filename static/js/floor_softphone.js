// With Twilio, the supervisor's browser is their phone for listening, whispering and
// barging (Twilio Voice JS SDK, vendored): it registers as their client and picks up the
// monitoring leg the wallboard's buttons ring, since nothing else rings it. In simulator
// mode the simulator's client answers instead, so none of this runs.
(function () {
  function start() {
    const status = document.querySelector("[data-softphone=twilio]");
    if (!status) return;
    if (!window.Twilio || !window.Twilio.Device) {
      status.textContent = "Softphone: the voice library did not load.";
      return;
    }
    const token = () => fetch(status.dataset.tokenUrl, { credentials: "same-origin" }).then((r) =>
      r.json().then((body) => {
        if (!r.ok) throw new Error(body.detail || r.statusText);
        return body.token;
      }));
    token().then((first) => {
      const device = new window.Twilio.Device(first, { closeProtection: true });
      device.on("registered", () => { status.textContent = "Softphone: ready to monitor."; });
      device.on("error", (error) => { status.textContent = `Softphone: ${error.message}`; });
      device.on("tokenWillExpire", () => token().then((next) => device.updateToken(next)));
      device.on("incoming", (call) => {
        call.accept();
        status.textContent = "Softphone: on a call.";
        call.on("disconnect", () => { status.textContent = "Softphone: ready to monitor."; });
      });
      device.register();
    }).catch((error) => { status.textContent = `Softphone: ${error.message}`; });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
